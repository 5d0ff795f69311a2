import { EventLogError } from "../../errors.ts";
import { ChainChecker, type ChainRow } from "../chain-check.ts";
import type { FoldEvent, FoldPayloads, SinceFilter } from "../read.ts";
import { rowToEvent } from "../read.ts";
import type { StoredEvent } from "../record.ts";
import { type PgQuery, type PgSql, query } from "./client.ts";

/** `since`'s filter, plus the source log an event was shipped from. */
export interface PgSinceFilter extends SinceFilter {
  /** Only events shipped from this source; null: only events written here directly. */
  source?: string | null;
}

/** A stored event with where it was shipped from (null on events written here). */
export type PgStoredEvent = StoredEvent & { source: string | null; source_sequence: number | null };

function originOf(row: Record<string, unknown>, label: string): PgStoredEvent {
  return {
    ...rowToEvent(row, label),
    source: (row.source as string | null) ?? null,
    source_sequence: row.source_sequence == null ? null : Number(row.source_sequence),
  };
}

/**
 * Events with sequence > `after`, in sequence order, page by page; `withOrigin` adds the
 * source columns (without them an event reads exactly as the SQLite store gives it).
 */
export async function* pgSince(
  q: PgSql,
  label: string,
  after: number,
  filter: PgSinceFilter = {},
  withOrigin = false,
): AsyncGenerator<PgStoredEvent> {
  const where = ["sequence > $1"];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length + 1}`;
  };
  const checker = filter.verifyChain ? await seededChecker(q, after) : undefined;
  if (!checker) {
    if (filter.kinds?.length) where.push(`kind IN (${filter.kinds.map(param).join(", ")})`);
    if (filter.taskId !== undefined) where.push(`task_id = ${param(filter.taskId)}`);
    if (filter.sagaId !== undefined) where.push(`saga_id = ${param(filter.sagaId)}`);
    if (filter.source === null) where.push("source IS NULL");
    else if (filter.source !== undefined) where.push(`source = ${param(filter.source)}`);
  }
  const pageSize = Math.max(1, filter.pageSize ?? 2000);
  const text = `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY sequence LIMIT ${pageSize}`;
  const kinds = filter.kinds?.length ? new Set(filter.kinds) : undefined;
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
  let cursor = after;
  // One source's events in sequence order: along the primary key, past the other sources'
  // rows. Left to itself PostgreSQL may read every remaining row of the source through
  // events_source and sort them, for each page (always before the table has statistics: 10 s
  // for a 264k-event report, against 1.8 s).
  const bySource = filter.source !== undefined && !checker;
  const read = (tx: PgQuery) => query(tx, text, [cursor, ...params]);
  while (remaining > 0) {
    const page = bySource
      ? await q.begin(async (tx) => {
          await tx.unsafe("SET LOCAL enable_sort = off");
          return read(tx);
        })
      : await read(q);
    for (const row of page) {
      cursor = Number(row.sequence);
      if (checker) {
        const verdict = checker.check({ ...(row as ChainRow), sequence: cursor });
        if ("broken" in verdict) {
          throw new EventLogError(
            "chain_broken",
            `${label}: hash chain broken at sequence ${cursor}: ${verdict.broken}; run 'forge-eventlog verify --db ${label}' for the report`,
          );
        }
        if (kinds && !kinds.has(row.kind as string)) continue;
        if (filter.taskId !== undefined && row.task_id !== filter.taskId) continue;
        if (filter.sagaId !== undefined && row.saga_id !== filter.sagaId) continue;
        if (filter.source !== undefined && (row.source ?? null) !== filter.source) continue;
      }
      yield withOrigin ? originOf(row, label) : (rowToEvent(row, label) as PgStoredEvent);
      if (--remaining <= 0) return;
    }
    if (page.length < pageSize) return;
  }
}

/**
 * An event as a fold of one source reads it: its sequence is the one it had in its source log
 * (a timeline's sequences are that runner's); `position` is its place among the source's
 * events (see positionColumn).
 */
export type PgFoldEvent = FoldEvent & { position: number; event_id: string };

/**
 * What orders one source's events, and pages through them on an index: the sequence each had
 * in its source log (index events_source), or for the events written here (null) their own.
 */
const positionColumn = (source: string | null) =>
  source === null ? "sequence" : "source_sequence";

/** The condition picking one source's events; parameter `$<n>` is its name. */
const sourceCondition = (source: string | null, n = 2) =>
  source === null ? "source IS NULL" : `source = $${n}`;

/** PostgreSQL's test that a task id does not serve the fold (see FoldPayloads). */
const unservedTaskSql = (prefix: string) =>
  `task_id IS NULL OR task_id !~ '^${prefix.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&").replaceAll("'", "''")}[0-9]'`;

/**
 * The events of one source (null: those written here) after position `after`, with only what
 * a fold reads: of the payloads, those `payloads` names (the others come as {}). A payload
 * that is no JSON, or one the fold needs but did not read, is read again whole, and fails as
 * `since` fails on it.
 */
export async function* pgSinceFold(
  q: PgSql,
  label: string,
  after: number,
  filter: { source: string | null; payloads: FoldPayloads; pageSize?: number },
): AsyncGenerator<PgFoldEvent> {
  const { payloads } = filter;
  const kinds = payloads.kinds.map((k) => `'${k.replaceAll("'", "''")}'`).join(", ");
  const payload = `CASE WHEN kind IN (${kinds}) OR ${unservedTaskSql(payloads.taskPrefix)} THEN payload_json END`;
  const by = positionColumn(filter.source);
  const pageSize = Math.max(1, filter.pageSize ?? 5000);
  // Pages go on after (position, sequence): a position two events share (a source whose local
  // log was made again and shipped under the same name) is not cut at a page's end.
  const afterPosition =
    filter.source === null
      ? "sequence > $1"
      : "source_sequence >= $1 AND (source_sequence > $1 OR sequence > $3)";
  const text = `SELECT sequence, source_sequence, event_id, kind, task_id, saga_id, occurred_at, ${payload} AS payload_json FROM events WHERE ${afterPosition} AND ${sourceCondition(filter.source)} ORDER BY ${by}, sequence LIMIT ${pageSize}`;
  let cursor = after;
  // The first page starts after every event at `after` (the last one folded is among them).
  let last = Number.MAX_SAFE_INTEGER;
  let seen = 0;
  const params = () => (filter.source === null ? [cursor] : [cursor, filter.source, last]);
  for (;;) {
    // A table without statistics yet (autovacuum has not analyzed it) is taken to hold a few
    // hundred rows of the source, and each page read as a bitmap of all of them, then sorted:
    // 70-120 ms a page at 264k events, where the index's own order takes 3 ms.
    const page = await q.begin(async (tx) => {
      await tx.unsafe("SET LOCAL enable_bitmapscan = off");
      return query(tx, text, params());
    });
    for (const row of page) {
      cursor = Number(row[by]);
      const sequence = Number(row.sequence);
      if (sequence <= seen) throw new ReorderedSource(label, filter.source ?? "");
      seen = sequence;
      last = sequence;
      const folded = foldOf(row, payloads, cursor);
      if (folded) yield folded;
      else {
        const [whole] = await query(q, "SELECT * FROM events WHERE sequence = $1", [row.sequence]);
        const e = originOf(whole ?? row, label);
        yield { ...e, sequence: e.source_sequence ?? e.sequence, position: cursor };
      }
    }
    if (page.length < pageSize) return;
  }
}

/**
 * A source whose events are not in the same order by their source log's sequences as by this
 * log's (its local log was made again and shipped under the same name): a fold by position
 * would not be a fold in commit order.
 */
export class ReorderedSource extends Error {
  constructor(label: string, source: string) {
    super(
      `${label}: the events of source ${source} are not in commit order by their source sequences`,
    );
  }
}

/** The id of the source's event at `position` (see positionColumn), if it has one there. */
export async function pgEventIdAt(
  q: PgQuery,
  source: string | null,
  position: number,
): Promise<string | undefined> {
  const [row] = await query<{ event_id: string }>(
    q,
    `SELECT event_id FROM events WHERE ${positionColumn(source)} = $1 AND ${sourceCondition(source)} LIMIT 1`,
    source === null ? [position] : [position, source],
  );
  return row?.event_id;
}

/** The source's last position (see positionColumn), 0 when it has no events. */
export async function pgSourceHead(q: PgQuery, source: string | null): Promise<number> {
  const [row] = await query<{ s: string | null }>(
    q,
    `SELECT MAX(${positionColumn(source)}) AS s FROM events WHERE ${sourceCondition(source, 1)}`,
    source === null ? [] : [source],
  );
  return Number(row?.s ?? 0);
}

const NO_PAYLOAD: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function foldOf(
  row: Record<string, unknown>,
  payloads: FoldPayloads,
  position: number,
): PgFoldEvent | null {
  const taskId = (row.task_id as string | null) ?? null;
  let payload = NO_PAYLOAD;
  if (row.payload_json === null) {
    if (taskId === null || !payloads.taskIdServes(taskId)) return null;
  } else {
    try {
      payload = JSON.parse(row.payload_json as string);
    } catch {
      return null;
    }
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return null;
  }
  return {
    sequence: Number(row.source_sequence ?? row.sequence),
    position,
    event_id: row.event_id as string,
    kind: row.kind as PgFoldEvent["kind"],
    task_id: taskId,
    saga_id: (row.saga_id as string | null) ?? null,
    occurred_at: row.occurred_at as string,
    payload,
  };
}

async function seededChecker(q: PgQuery, after: number): Promise<ChainChecker> {
  const checker = new ChainChecker({ linked: true, sorted: false });
  const [before] = await query<ChainRow>(
    q,
    "SELECT * FROM events WHERE sequence <= $1 ORDER BY sequence DESC LIMIT 1",
    [after],
  );
  checker.seed(before, before?.event_hash ?? null);
  return checker;
}

export async function pgLatestSequence(q: PgQuery): Promise<number> {
  const [row] = await query<{ s: string | null }>(q, "SELECT MAX(sequence) AS s FROM events");
  return Number(row?.s ?? 0);
}

export async function pgEventWhere(
  q: PgQuery,
  label: string,
  where: string,
  params: unknown[],
): Promise<StoredEvent | undefined> {
  const [row] = await query(q, `SELECT * FROM events WHERE ${where} LIMIT 1`, params);
  return row ? rowToEvent(row, label) : undefined;
}
