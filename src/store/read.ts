import { EventLogError } from "../errors.ts";
import { ChainChecker, type ChainRow, chainColumnsOf, chainSelectList } from "./chain-check.ts";
import type { StoreContext } from "./context.ts";
import { mistypedColumn, readEventRow } from "./event-columns.ts";
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
export function* since(
  ctx: StoreContext,
  after: number,
  filter: SinceFilter = {},
): Generator<StoredEvent> {
  if (filter.verifyChain) {
    yield* verifiedSince(ctx, after, filter);
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
  yield* paged(ctx, `SELECT * FROM events WHERE ${where.join(" AND ")}`, after, params, filter);
}

function* paged(
  ctx: StoreContext,
  query: string,
  after: number,
  params: readonly (string | number)[],
  filter: SinceFilter,
  accept: (row: Record<string, unknown>) => boolean = () => true,
): Generator<StoredEvent> {
  const pageSize = Math.max(1, filter.pageSize ?? 2000);
  const stmt = ctx.stmt(`${query} ORDER BY sequence LIMIT ${pageSize}`);
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
  let cursor = after;
  while (remaining > 0) {
    const page = reading(ctx, `reading events after ${cursor}`, () => stmt.all(cursor, ...params));
    for (const row of page) {
      cursor = Number(row.sequence);
      if (!accept(row)) continue;
      yield rowToEvent(row, ctx.path);
      if (--remaining <= 0) return;
    }
    if (page.length < pageSize) return;
  }
}

/** `since` with every row's hash and link checked; filters apply after the check. */
function verifiedSince(
  ctx: StoreContext,
  after: number,
  filter: SinceFilter,
): Generator<StoredEvent> {
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
  return paged(ctx, "SELECT * FROM events WHERE sequence > ?", after, [], filter, (row) => {
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
