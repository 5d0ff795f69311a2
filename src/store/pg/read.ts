import { EventLogError } from "../../errors.ts";
import { ChainChecker, type ChainRow } from "../chain-check.ts";
import type { SinceFilter } from "../read.ts";
import { rowToEvent } from "../read.ts";
import type { StoredEvent } from "../record.ts";
import { type PgQuery, query } from "./client.ts";

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
  q: PgQuery,
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
  while (remaining > 0) {
    const page = await query(q, text, [cursor, ...params]);
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
