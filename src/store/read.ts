import { isUtf8 } from "node:buffer";
import { EventLogError } from "../errors.ts";
import { ChainChecker, type ChainRow, chainColumnsOf, chainSelectList } from "./chain-check.ts";
import type { StoreContext } from "./context.ts";
import {
  EVENT_COLUMNS,
  INTEGER_COLUMNS,
  mistypedColumn,
  NULLABLE_COLUMNS,
  readEventRow,
} from "./event-columns.ts";
import { eventJsonLine, eventJsonSql } from "./event-json.ts";
import { type StoredEvent, storedEvent } from "./record.ts";
import { EVENT_AT, EVENT_BY_ID, EVENT_BY_KEY, LATEST_SEQUENCE } from "./schema/contract.ts";
import { describeValue } from "./translate-error.ts";

/** A stored event from its row; a payload no JSON reader can parse is named by its sequence. */
export function rowToEvent(row: Record<string, unknown>, path: string): StoredEvent {
  const columns = readEventRow(row);
  const mistyped = mistypedColumn(columns);
  if (mistyped) {
    const [column] = mistyped;
    const value = row[column];
    const at = Number.isSafeInteger(columns.sequence) ? columns.sequence : undefined;
    throw new EventLogError(
      "event_unreadable",
      `event ${at ?? "?"} in ${path} has ${describeValue(value)} in its ${column} column; another writer stored it or the row was damaged: 'forge-eventlog verify' names the first damaged row${at === undefined ? "" : `; read past it with --from ${at + 1}`}`,
    );
  }
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(columns.payload_json);
  } catch (e) {
    throw new EventLogError(
      "event_unreadable",
      `event ${columns.sequence} in ${path} has a payload_json that is not JSON (${(e as Error).message}); another writer stored it or the row was damaged: 'forge-eventlog verify' names the first such row; read past it with --from ${columns.sequence + 1}`,
      { cause: e },
    );
  }
  return storedEvent(columns, payload);
}

export interface SinceFilter {
  kinds?: readonly string[];
  taskId?: string;
  sagaId?: string;
  /** Stop after this many events. */
  limit?: number;
  /** Rows fetched per query; each page is its own short read transaction. */
  pageSize?: number;
  /**
   * Check every row's hash and its link, from the row at or before `after` on, and throw
   * `chain_broken` at the first that fails, before yielding it (as upstream's since() does).
   * Every row after `after` is then read and hashed, also those a filter leaves out.
   */
  verifyChain?: boolean;
}

/**
 * Events with sequence > `after`, in sequence order, streamed page by page so a long replay
 * neither holds one read transaction open nor loads the log into memory.
 */
export function since(
  ctx: StoreContext,
  after: number,
  filter: SinceFilter = {},
): Generator<StoredEvent> {
  return selected(ctx, after, filter, { columns: "*", toEvent: rowToEvent });
}

/** An event's line as `eventJsonLine` writes it, with what a selection of events looks at. */
export interface EventJsonLine {
  sequence: number;
  occurred_at: string;
  /** The line's UTF-8 bytes, its newline included. */
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();

/**
 * `since` as the events' lines (event-json.ts), which SQLite writes as it reads, as bytes (no
 * JavaScript string is made of them); a row it cannot be sure of, or whose bytes are not
 * UTF-8, is read whole, checked as `since` checks it, and written here.
 */
export function sinceJson(
  ctx: StoreContext,
  after: number,
  filter: SinceFilter = {},
): Generator<EventJsonLine> {
  // A BLOB cast gives the text's bytes in the database's encoding: only UTF-8 ones are lines.
  if (databaseEncoding(ctx) !== "UTF-8") {
    return selected(ctx, after, filter, {
      columns: "*",
      toEvent: (row, path) => jsonLineOf(rowToEvent(row, path)),
    });
  }
  const present = tableColumns(ctx);
  const line = eventJsonSql(present, surelyTypedSql(present), { concat: hasConcat(ctx) });
  const bytes = `CAST(${line} || char(10) AS BLOB) AS bytes`;
  // The chain check reads every column.
  const columns = filter.verifyChain ? `*, ${bytes}` : `sequence, occurred_at, ${bytes}`;
  return selected(ctx, after, filter, {
    columns,
    toEvent: (row, path) => {
      // Text another writer stored as bytes that are no UTF-8 is read as since() reads it.
      if (row.bytes instanceof Uint8Array && isUtf8(row.bytes))
        return row as unknown as EventJsonLine;
      return jsonLineOf(rowToEvent(wholeRow(ctx, Number(row.sequence)), path));
    },
  });
}

function jsonLineOf(e: StoredEvent): EventJsonLine {
  return {
    sequence: e.sequence,
    occurred_at: e.occurred_at,
    bytes: utf8.encode(`${eventJsonLine(e)}\n`),
  };
}

function databaseEncoding(ctx: StoreContext): string {
  return String(ctx.stmt("PRAGMA encoding").get<{ encoding: string }>()?.encoding);
}

/** Whether this SQLite has concat() (3.44 and later; the system library of some hosts is older). */
function hasConcat(ctx: StoreContext): boolean {
  try {
    ctx.stmt("SELECT concat('') AS c").get();
    return true;
  } catch {
    return false;
  }
}

/** What a read selects of each row, and what it makes of the row. */
interface RowsAs<T> {
  columns: string;
  toEvent: (row: Record<string, unknown>, path: string) => T;
}

function* selected<T>(
  ctx: StoreContext,
  after: number,
  filter: SinceFilter,
  as: RowsAs<T>,
): Generator<T> {
  if (filter.verifyChain) {
    yield* verifiedSince(ctx, after, filter, as);
    return;
  }
  const where = ["sequence > ?"];
  const params: (string | number)[] = [];
  if (filter.kinds?.length) {
    where.push(`kind IN (${filter.kinds.map(() => "?").join(",")})`);
    params.push(...filter.kinds);
  }
  if (filter.taskId !== undefined) {
    where.push("task_id = ?");
    params.push(filter.taskId);
  }
  if (filter.sagaId !== undefined) {
    where.push("saga_id = ?");
    params.push(filter.sagaId);
  }
  const query = `SELECT ${as.columns} FROM events WHERE ${where.join(" AND ")}`;
  yield* paged(ctx, query, after, params, filter, as.toEvent);
}

function* paged<T>(
  ctx: StoreContext,
  query: string,
  after: number,
  params: readonly (string | number)[],
  filter: SinceFilter,
  toEvent: (row: Record<string, unknown>, path: string) => T,
  accept: (row: Record<string, unknown>) => boolean = () => true,
): Generator<T> {
  const pageSize = Math.max(1, filter.pageSize ?? 2000);
  const stmt = ctx.stmt(`${query} ORDER BY sequence LIMIT ${pageSize}`);
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
  let cursor = after;
  while (remaining > 0) {
    const page = reading(ctx, `reading events after ${cursor}`, () => stmt.all(cursor, ...params));
    for (const row of page) {
      cursor = Number(row.sequence);
      if (!accept(row)) continue;
      yield toEvent(row, ctx.path);
      if (--remaining <= 0) return;
    }
    if (page.length < pageSize) return;
  }
}

/** `since` with every row's hash and link checked; filters apply after the check. */
function verifiedSince<T>(
  ctx: StoreContext,
  after: number,
  filter: SinceFilter,
  as: RowsAs<T>,
): Generator<T> {
  const checker = reading(ctx, "reading the chain before the first event", () => {
    const cols = chainColumnsOf(ctx);
    const c = new ChainChecker(cols);
    const before = ctx
      .stmt(
        `SELECT ${chainSelectList(cols)} FROM events WHERE sequence <= ? ORDER BY sequence DESC LIMIT 1`,
      )
      .get<ChainRow>(after);
    const lastLinked = cols.linked
      ? ctx
          .stmt(
            "SELECT event_hash FROM events WHERE sequence <= ? AND event_hash IS NOT NULL ORDER BY sequence DESC LIMIT 1",
          )
          .get<{ event_hash: string }>(after)?.event_hash
      : undefined;
    c.seed(before, lastLinked ?? null);
    return c;
  });
  const kinds = filter.kinds?.length ? new Set(filter.kinds) : undefined;
  const query = `SELECT ${as.columns} FROM events WHERE sequence > ?`;
  return paged(ctx, query, after, [], filter, as.toEvent, (row) => {
    const verdict = checker.check(row as ChainRow);
    if ("broken" in verdict) {
      throw new EventLogError(
        "chain_broken",
        `${ctx.path}: hash chain broken at sequence ${row.sequence}: ${verdict.broken}; nothing from ${row.sequence} on is shown: run 'forge-eventlog verify' for the report, and restore the database from a backup or an export`,
      );
    }
    return (
      (kinds === undefined || kinds.has(row.kind as string)) &&
      (filter.taskId === undefined || row.task_id === filter.taskId) &&
      (filter.sagaId === undefined || row.saga_id === filter.sagaId)
    );
  });
}

/** What a fold of the log (the timeline projection) reads of an event. */
export type FoldEvent = Pick<
  StoredEvent,
  "sequence" | "kind" | "task_id" | "saga_id" | "occurred_at" | "payload"
>;

/**
 * Which events' payloads a fold reads: those of `kinds`, and those whose `task_id` is absent
 * or does not serve (`taskIdServes`; SQLite tells apart only those not starting with
 * `<taskPrefix><digit>`, the fold the rest). The others' payloads are checked (as JSON, by
 * SQLite) but neither read nor parsed: they come as `{}`.
 */
export interface FoldPayloads {
  kinds: readonly string[];
  taskPrefix: string;
  taskIdServes(taskId: string): boolean;
}

const FOLD_COLUMNS = ["sequence", "kind", "task_id", "saga_id", "occurred_at"];
/**
 * The columns a fold reads whose types foldEvent checks in JavaScript rather than SQL (the
 * payload's stays in SQL: a fold that does not read it must still know it is text).
 */
const FOLD_READ: ReadonlySet<string> = new Set(FOLD_COLUMNS);

/** SQL quoting of a text literal. */
const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * SQL giving the row's payload text when `payloads` (all when undefined) says the fold reads
 * it; else NULL when it is JSON, and '' (which no JSON reader parses) when it is not.
 */
function foldPayloadSql(payloads: FoldPayloads | undefined): string {
  if (payloads === undefined) return "payload_json";
  const glob = `${payloads.taskPrefix.replace(/[*?[]/g, (c) => `[${c}]`)}[0-9]*`;
  const kinds = payloads.kinds.map(sqlText).join(", ");
  return `CASE WHEN kind IN (${kinds}) OR task_id IS NULL OR task_id NOT GLOB ${sqlText(glob)} THEN payload_json WHEN json_valid(payload_json) AND instr(payload_json, char(0)) = 0 THEN NULL ELSE '' END`;
}

/**
 * SQL that is 1 when every column of the row surely passes rowToEvent's type checks (so the
 * fold need not read the columns it has no use for), for the columns the table has (a column
 * it lacks reads as NULL), but those in `checkedElsewhere` (whose values the caller reads and
 * checks itself). 0 does not mean damaged: such a row is read whole and checked.
 */
function surelyTypedSql(
  present: ReadonlySet<string>,
  checkedElsewhere: ReadonlySet<string> = new Set(),
): string {
  const safe = "BETWEEN -9007199254740991 AND 9007199254740991";
  const tests = EVENT_COLUMNS.filter((c) => !checkedElsewhere.has(c)).map((c) => {
    const nullable = NULLABLE_COLUMNS.has(c);
    if (!present.has(c)) return nullable ? "1" : "0";
    const type = INTEGER_COLUMNS.has(c) ? "integer" : "text";
    const typed = `typeof(${c}) = '${type}'${type === "integer" ? ` AND ${c} ${safe}` : ""}`;
    return nullable ? `(${c} IS NULL OR (${typed}))` : `(${typed})`;
  });
  return tests.join(" AND ");
}

function tableColumns(ctx: StoreContext): Set<string> {
  return new Set(
    ctx
      .stmt("SELECT name FROM pragma_table_info('events')")
      .all<{ name: string }>()
      .map((c) => c.name),
  );
}

const NO_PAYLOAD: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * `since` as FoldEvents, in pages of `pageSize` (up to `limit` events): only the columns a
 * fold reads are read (of the payloads, only those `payloads` names; all without it), unless
 * a row's others are not surely of their type or its unread payload is not JSON, when it is
 * read whole and checked as `since` checks it (and fails as `since` would).
 */
export function* sinceFold(
  ctx: StoreContext,
  after: number,
  filter: Pick<SinceFilter, "limit" | "pageSize"> & { payloads?: FoldPayloads } = {},
): Generator<FoldEvent> {
  const pageSize = Math.max(1, filter.pageSize ?? 2000);
  const payloads = filter.payloads;
  const stmt = ctx.stmt(
    `SELECT ${FOLD_COLUMNS.join(", ")}, ${foldPayloadSql(payloads)} AS payload_json, ${surelyTypedSql(tableColumns(ctx), FOLD_READ)} AS sure, NULL AS payload FROM events WHERE sequence > ? ORDER BY sequence LIMIT ${pageSize}`,
  );
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
  let cursor = after;
  while (remaining > 0) {
    const page = reading(ctx, `reading events after ${cursor}`, () => stmt.all<FoldRow>(cursor));
    for (const row of page) {
      cursor = Number(row.sequence);
      yield (row.sure && foldEvent(row, payloads)) || rowToEvent(wholeRow(ctx, cursor), ctx.path);
      if (--remaining <= 0) return;
    }
    if (page.length < pageSize) return;
  }
}

/** A row as read: its `payload` is set in place (the statement gives it the slot). */
type FoldRow = FoldEvent & { payload_json: string | null; sure: number };

/**
 * The row's event, or null when a column it read is not of its type (what `sure` leaves to
 * it), its payload is no JSON (rowToEvent then names it), or the payload was not read though
 * the fold needs it (its task_id does not serve).
 */
function foldEvent(row: FoldRow, payloads: FoldPayloads | undefined): FoldEvent | null {
  if (
    !Number.isSafeInteger(row.sequence) ||
    typeof row.kind !== "string" ||
    typeof row.occurred_at !== "string" ||
    (row.task_id !== null && typeof row.task_id !== "string") ||
    (row.saga_id !== null && typeof row.saga_id !== "string")
  ) {
    return null;
  }
  let payload: Record<string, unknown> = NO_PAYLOAD;
  if (row.payload_json === null) {
    if (!payloads?.taskIdServes(row.task_id!)) return null;
  } else {
    try {
      payload = JSON.parse(row.payload_json);
    } catch {
      return null;
    }
  }
  row.payload = payload;
  return row;
}

function wholeRow(ctx: StoreContext, sequence: number): Record<string, unknown> {
  return reading(ctx, `reading event ${sequence}`, () => ctx.stmt(EVENT_AT).get(sequence)!);
}

/** Runs a read, turning a driver error (corrupt page, bad payload) into one naming the file. */
export function reading<T>(ctx: StoreContext, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw ctx.fail(e, doing);
  }
}

export function latestSequence(ctx: StoreContext): number {
  return reading(ctx, "reading the latest sequence", () => {
    const row = ctx.stmt(LATEST_SEQUENCE).get<{ s: number | null }>();
    return Number(row?.s ?? 0);
  });
}

export function eventAt(ctx: StoreContext, sequence: number): StoredEvent | undefined {
  return reading(ctx, `reading event ${sequence}`, () => {
    const row = ctx.stmt(EVENT_AT).get(sequence);
    return row ? rowToEvent(row, ctx.path) : undefined;
  });
}

export function eventByKey(ctx: StoreContext, key: string): StoredEvent | undefined {
  return reading(ctx, `reading the event with idempotency key ${key}`, () => {
    const row = ctx.stmt(EVENT_BY_KEY).get(key);
    return row ? rowToEvent(row, ctx.path) : undefined;
  });
}

export function eventById(ctx: StoreContext, eventId: string): StoredEvent | undefined {
  return reading(ctx, `reading event ${eventId}`, () => {
    const row = ctx.stmt(EVENT_BY_ID).get(eventId);
    return row ? rowToEvent(row, ctx.path) : undefined;
  });
}
