import { EventLogError } from "../errors.ts";
import { append } from "./append.ts";
import { eventHash, GENESIS_HASH, sortedChainHash } from "./chain.ts";
import { ChainChecker, type ChainRow, chainColumnsOf, chainSelectList } from "./chain-check.ts";
import type { CompactionMarker } from "./compaction-marker.ts";
import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { writeTransaction } from "./transaction.ts";

/** The kinds compaction may drop: progress readings, which no projection's end state needs. */
export const NOISE_KINDS = ["task.heartbeat", "worker.observation"] as const;

const NOISE_LIST = NOISE_KINDS.map((k) => `'${k}'`).join(", ");
/** Noise rows at or below the bound (the slowest cursor), never the newest row. */
const ELIGIBLE = `kind IN (${NOISE_LIST}) AND sequence <= ? AND sequence < (SELECT MAX(sequence) FROM events)`;
const SLOWEST_CURSOR =
  "SELECT projection_name, sequence FROM projection_cursors ORDER BY sequence, projection_name LIMIT 1";

export interface CompactionPlan {
  /** The slowest projection cursor, the bound nothing above is removed; null when none exists. */
  slowestCursor: { name: string; sequence: number } | null;
  /** Rows that go, by kind. */
  removed: Record<string, number>;
  removedTotal: number;
  /** The span of the removed sequences; null when nothing goes. */
  firstSequence: number | null;
  lastSequence: number | null;
  /** Rows after the first removed one whose hashes are recomputed. */
  rechain: number;
}

export interface CompactionResult extends CompactionPlan {
  performed: boolean;
  /** The compaction.performed event written; null on a dry run or when nothing went. */
  markerSequence: number | null;
}

export function planCompaction(ctx: StoreContext): CompactionPlan {
  return reading(ctx, "planning a compaction", () => {
    const cursor = ctx.stmt(SLOWEST_CURSOR).get<{ projection_name: string; sequence: number }>();
    const slowestCursor = cursor
      ? { name: cursor.projection_name, sequence: Number(cursor.sequence) }
      : null;
    const plan: CompactionPlan = {
      slowestCursor,
      removed: {},
      removedTotal: 0,
      firstSequence: null,
      lastSequence: null,
      rechain: 0,
    };
    if (!slowestCursor) return plan;
    const rows = ctx
      .stmt(
        `SELECT kind, COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi FROM events WHERE ${ELIGIBLE} GROUP BY kind ORDER BY kind`,
      )
      .all<{ kind: string; n: number; lo: number; hi: number }>(slowestCursor.sequence);
    for (const r of rows) {
      plan.removed[r.kind] = Number(r.n);
      plan.removedTotal += Number(r.n);
      plan.firstSequence = Math.min(plan.firstSequence ?? Number(r.lo), Number(r.lo));
      plan.lastSequence = Math.max(plan.lastSequence ?? Number(r.hi), Number(r.hi));
    }
    if (plan.firstSequence !== null) {
      const after = ctx
        .stmt(
          `SELECT COUNT(*) AS n FROM events WHERE sequence > ? AND NOT (${ELIGIBLE.replace("?", String(slowestCursor.sequence))})`,
        )
        .get<{ n: number }>(plan.firstSequence);
      plan.rechain = Number(after?.n ?? 0);
    }
    return plan;
  });
}

/**
 * Drops noise events at or below the slowest projection cursor (never a load-bearing kind,
 * never the newest row), re-chains the rows after the first one dropped, and records a
 * compaction.performed event saying what went. One write transaction: all of it or nothing.
 * The rows to be re-chained are checked first; a broken chain is refused (`chain_broken`),
 * since re-chaining over it would hide the break.
 */
export function compact(ctx: StoreContext): CompactionResult {
  return writeTransaction(ctx, "compacting the log", () => {
    const plan = planCompaction(ctx);
    if (plan.firstSequence === null || plan.slowestCursor === null) {
      return { ...plan, performed: false, markerSequence: null };
    }
    const from = plan.firstSequence;
    const cols = chainColumnsOf(ctx);
    const select = chainSelectList(cols);
    const before = ctx
      .stmt(`SELECT ${select} FROM events WHERE sequence < ? ORDER BY sequence DESC LIMIT 1`)
      .get<ChainRow>(from);
    const lastLinked = cols.linked
      ? (ctx
          .stmt(
            "SELECT event_hash FROM events WHERE sequence < ? AND event_hash IS NOT NULL ORDER BY sequence DESC LIMIT 1",
          )
          .get<{ event_hash: string }>(from)?.event_hash ?? null)
      : null;
    const checker = new ChainChecker(cols);
    checker.seed(before, lastLinked);
    const page = ctx.stmt(
      `SELECT ${select} FROM events WHERE sequence > ? ORDER BY sequence LIMIT 2000`,
    );
    forEachRow(page, from - 1, (row) => {
      const verdict = checker.check(row);
      if ("broken" in verdict) {
        throw new EventLogError(
          "chain_broken",
          `cannot compact ${ctx.path}: hash chain broken at sequence ${row.sequence}: ${verdict.broken}; re-chaining would hide it: run 'forge-eventlog verify' and restore the database from a backup or an export`,
        );
      }
    });
    ctx.stmt(`DELETE FROM events WHERE ${ELIGIBLE}`).run(plan.slowestCursor.sequence);
    rechain(ctx, from, before, lastLinked);
    const payload: CompactionMarker = {
      removed: plan.removed,
      removed_total: plan.removedTotal,
      first_sequence: from,
      last_sequence: plan.lastSequence ?? from,
      slowest_cursor: plan.slowestCursor.sequence,
      rechained_from: from,
    };
    const marker = append(ctx, {
      kind: "compaction.performed",
      payload: payload as unknown as Record<string, unknown>,
    });
    return { ...plan, performed: true, markerSequence: marker.event.sequence };
  });
}

function forEachRow(
  page: ReturnType<StoreContext["stmt"]>,
  after: number,
  fn: (row: ChainRow) => void,
): void {
  let cursor = after;
  for (;;) {
    const rows = page.all<ChainRow>(cursor);
    for (const row of rows) {
      fn(row);
      cursor = Number(row.sequence);
    }
    if (rows.length < 2000) return;
  }
}

/** Recomputes each chain the table carries over the rows after `from - 1`; unchained rows stay so. */
function rechain(
  ctx: StoreContext,
  from: number,
  before: ChainRow | undefined,
  lastLinked: string | null,
): void {
  const cols = chainColumnsOf(ctx);
  let linked = lastLinked ?? GENESIS_HASH;
  let sorted = before?.chain_hash ?? GENESIS_HASH;
  const setLinked = cols.linked
    ? ctx.stmt("UPDATE events SET prev_hash = ?, event_hash = ? WHERE sequence = ?")
    : undefined;
  const setSorted = cols.sorted
    ? ctx.stmt("UPDATE events SET chain_hash = ? WHERE sequence = ?")
    : undefined;
  const page = ctx.stmt(
    `SELECT ${chainSelectList(cols)} FROM events WHERE sequence > ? ORDER BY sequence LIMIT 2000`,
  );
  forEachRow(page, from - 1, (row) => {
    const fields = { ...row, schema_version: Number(row.schema_version) };
    if (setLinked && row.event_hash != null) {
      const hash = eventHash(linked, fields);
      setLinked.run(linked, hash, row.sequence);
      linked = hash;
    }
    if (setSorted) {
      if (row.chain_hash != null) {
        const hash = sortedChainHash(sorted, fields);
        setSorted.run(hash, row.sequence);
        sorted = hash;
      } else {
        sorted = GENESIS_HASH;
      }
    }
  });
}
