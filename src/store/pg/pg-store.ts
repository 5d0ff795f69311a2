import type { CursorRow } from "../cursors.ts";
import type { FoldPayloads } from "../read.ts";
import type { AppendInput, AppendOptions, AppendResult, StoredEvent } from "../record.ts";
import { EVENT_RANGE } from "../schema/contract.ts";
import { type EventRange, eventRangeOf } from "../stats.ts";
import type { VerifyReport } from "../verify.ts";
import { appendInputs, type ShipOutcome, shipEvents } from "./append.ts";
import { connectPg, type PgSql, pgFailure, query } from "./client.ts";
import type { EventOrigin } from "./columns.ts";
import { pgDeleteCursor, pgGetCursor, pgListCursors, pgSetCursor } from "./cursors.ts";
import { checkPgSchema, migratePg } from "./migrate.ts";
import {
  type PgFoldEvent,
  type PgSinceFilter,
  type PgStoredEvent,
  pgEventIdAt,
  pgEventWhere,
  pgLatestSequence,
  pgSince,
  pgSinceFold,
  pgSourceHead,
  ReorderedSource,
} from "./read.ts";
import { type PgTarget, parsePgTarget } from "./target.ts";
import { pgVerify } from "./verify.ts";

export interface PgOpenOptions {
  /** Read only: the schema must exist and is never created or migrated. */
  readonly?: boolean;
  /** The PostgreSQL schema to use instead of the URL's `?schema=` or the search_path. */
  schema?: string;
}

/**
 * The event log in PostgreSQL: the same contract tables as the SQLite store, shared by a fleet.
 * Every method is async (the SQLite store's are synchronous); errors name the target.
 */
export class PgEventStore {
  private constructor(
    private readonly sql: PgSql,
    readonly target: PgTarget,
    readonly readonly: boolean,
    readonly version: number,
    /** The PostgreSQL schema holding the tables (the URL's, else the search_path's first). */
    readonly schema: string,
  ) {}

  static async open(url: string, options: PgOpenOptions = {}): Promise<PgEventStore> {
    const target = parsePgTarget(url, options.schema);
    const sql = connectPg(target);
    try {
      const version = options.readonly
        ? await checkPgSchema(sql, target)
        : await migratePg(sql, target);
      const [here] = await query<{ s: string }>(sql, "SELECT current_schema() AS s");
      return new PgEventStore(sql, target, options.readonly === true, version, here?.s ?? "public");
    } catch (e) {
      await sql.close().catch(() => {});
      throw pgFailure(e, target, options.readonly ? "opening the log" : "creating the schema");
    }
  }

  /** How messages name it: the URL without its password. */
  get path(): string {
    return this.target.label;
  }

  get runtime(): string {
    return "postgres";
  }

  private async run<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw pgFailure(e, this.target, doing);
    }
  }

  append(
    kind: string,
    payload: Record<string, unknown>,
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    return this.run(`appending a ${kind} event`, async () => {
      const [r] = await appendInputs(this.sql, this.path, [{ ...options, kind, payload }]);
      return r as AppendResult;
    });
  }

  appendBatch(inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    return this.run(`appending a batch of ${inputs.length} events`, () =>
      appendInputs(this.sql, this.path, inputs),
    );
  }

  /** Copies events of one source log (see shipEvents); one transaction. */
  ship(
    events: readonly StoredEvent[],
    origin: Omit<EventOrigin, "source_sequence">,
  ): Promise<ShipOutcome> {
    return this.run(`shipping ${events.length} events`, () => shipEvents(this.sql, events, origin));
  }

  /** The highest source_sequence stored from `source`; 0 when none. */
  shippedUpTo(source: string): Promise<number> {
    return this.run(`reading how far ${source} was shipped`, async () => {
      const [r] = await query<{ s: string | null }>(
        this.sql,
        "SELECT MAX(source_sequence) AS s FROM events WHERE source = $1",
        [source],
      );
      return Number(r?.s ?? 0);
    });
  }

  since(after = 0, filter?: PgSinceFilter): AsyncGenerator<StoredEvent> {
    return this.read(after, filter, false);
  }

  /** `since`, each event with the source it was shipped from and its sequence there. */
  sinceWithOrigin(after = 0, filter?: PgSinceFilter): AsyncGenerator<PgStoredEvent> {
    return this.read(after, filter, true);
  }

  /** The id of the source's event (null: written here) at `position` (see positionColumn). */
  eventIdAt(source: string | null, position: number): Promise<string | undefined> {
    return this.run(`reading the event at ${position}`, () =>
      pgEventIdAt(this.sql, source, position),
    );
  }

  /** The last position of the source's events (null: written here); see positionColumn. */
  sourceHead(source: string | null): Promise<number> {
    return this.run("reading the latest sequence", () => pgSourceHead(this.sql, source));
  }

  /**
   * The events of one source (null: written here) after position `after`, as a fold reads
   * them (pgSinceFold): each with the sequence of its source log, and its `position`.
   */
  async *sinceFold(
    after: number,
    filter: { source: string | null; payloads: FoldPayloads },
  ): AsyncGenerator<PgFoldEvent> {
    try {
      yield* pgSinceFold(this.sql, this.path, after, filter);
    } catch (e) {
      if (e instanceof ReorderedSource) throw e;
      throw pgFailure(e, this.target, `reading events after ${after}`);
    }
  }

  private async *read(
    after: number,
    filter: PgSinceFilter | undefined,
    withOrigin: boolean,
  ): AsyncGenerator<PgStoredEvent> {
    try {
      yield* pgSince(this.sql, this.path, after, filter, withOrigin);
    } catch (e) {
      throw pgFailure(e, this.target, `reading events after ${after}`);
    }
  }

  latestSequence(): Promise<number> {
    return this.run("reading the latest sequence", () => pgLatestSequence(this.sql));
  }

  eventAt(sequence: number): Promise<StoredEvent | undefined> {
    return this.run(`reading event ${sequence}`, () =>
      pgEventWhere(this.sql, this.path, "sequence = $1", [sequence]),
    );
  }

  /** The event holding `key` among events written here (no source), or of `source`. */
  eventByKey(key: string, source: string | null = null): Promise<StoredEvent | undefined> {
    return this.run(`reading the event with idempotency key ${key}`, () =>
      source === null
        ? pgEventWhere(this.sql, this.path, "source IS NULL AND idempotency_key = $1", [key])
        : pgEventWhere(this.sql, this.path, "source = $1 AND idempotency_key = $2", [source, key]),
    );
  }

  eventById(eventId: string): Promise<StoredEvent | undefined> {
    return this.run(`reading event ${eventId}`, () =>
      pgEventWhere(this.sql, this.path, "event_id = $1", [eventId]),
    );
  }

  getCursor(name: string): Promise<number> {
    return this.run(`reading cursor ${name}`, () => pgGetCursor(this.sql, name));
  }

  setCursor(name: string, sequence: number, options?: { rewind?: boolean }): Promise<void> {
    return this.run(`moving cursor ${name}`, () => pgSetCursor(this.sql, name, sequence, options));
  }

  advanceCursor(name: string, sequence: number): Promise<void> {
    return this.setCursor(name, sequence);
  }

  deleteCursor(name: string): Promise<boolean> {
    return this.run(`deleting cursor ${name}`, () => pgDeleteCursor(this.sql, name));
  }

  listCursors(): Promise<CursorRow[]> {
    return this.run("listing cursors", () => pgListCursors(this.sql));
  }

  /** The sources shipped here, each with its event count. */
  sources(): Promise<{ source: string | null; count: number }[]> {
    return this.run("listing sources", async () =>
      (
        await query<{ source: string | null; n: string }>(
          this.sql,
          "SELECT source, COUNT(*) AS n FROM events GROUP BY source ORDER BY source NULLS FIRST",
        )
      ).map((r) => ({ source: r.source, count: Number(r.n) })),
    );
  }

  eventRange(): Promise<EventRange> {
    return this.run("counting events", async () => {
      const [r] = await query<Record<string, string | null>>(this.sql, EVENT_RANGE);
      return eventRangeOf(r);
    });
  }

  eventsByKind(): Promise<{ kind: string; count: number }[]> {
    return this.run("counting events by kind", async () =>
      (
        await query<{ kind: string; n: string }>(
          this.sql,
          "SELECT kind, COUNT(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind",
        )
      ).map((r) => ({ kind: r.kind, count: Number(r.n) })),
    );
  }

  verify(onProgress?: (checked: number) => void): Promise<VerifyReport> {
    return this.run("verifying the log", () => pgVerify(this.sql, onProgress));
  }

  async close(): Promise<void> {
    await this.sql.close().catch(() => {});
  }

  /** Closes at once, failing whatever is still waiting on the connection (it stopped answering). */
  async abandon(): Promise<void> {
    await this.sql.close({ timeout: 0 }).catch(() => {});
  }
}
