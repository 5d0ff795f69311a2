import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import {
  TIMELINE_CLEAR,
  TIMELINE_HALT_PUT,
  TIMELINE_HALTS_PAGE,
  TIMELINE_LOOP_GET,
  TIMELINE_LOOP_PUT,
  TIMELINE_TASK_PUT,
  TIMELINE_TASKS_BY_ISSUE,
  TIMELINE_TASKS_PAGE,
} from "./schema/timeline.ts";

/** The stored loop state alone (without reading any task). */
export function loadTimelineLoop(ctx: StoreContext): string | null {
  return reading(ctx, "reading the timeline projection", () => {
    return ctx.stmt(TIMELINE_LOOP_GET).get<{ state_json: string }>()?.state_json ?? null;
  });
}

/** One stored task's state, or null when the projection holds no such issue. */
export function loadTimelineTask(ctx: StoreContext, issue: number): string | null {
  return reading(ctx, `reading issue ${issue} of the timeline projection`, () => {
    return ctx.stmt(TIMELINE_TASKS_BY_ISSUE).get<{ state_json: string }>(issue)?.state_json ?? null;
  });
}

/**
 * The stored tasks in issue order, `pageSize` rows per query (each its own short read), so
 * the projection is never loaded whole.
 */
export function* storedTimelineTasks(
  ctx: StoreContext,
  pageSize = 1000,
): Generator<[issue: number, stateJson: string]> {
  const page = ctx.stmt(TIMELINE_TASKS_PAGE);
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = reading(ctx, "reading the timeline projection", () =>
      page.all<{ issue: number; state_json: string }>(after, pageSize),
    );
    for (const r of rows) yield [Number(r.issue), r.state_json];
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]!.issue);
  }
}

/** A halt of the loop as its row holds it (fields in the timeline's order). */
export type HaltRow = {
  reason: string;
  tick: number | null;
  sequence: number;
  at: string;
};

/** The stored halts in sequence order, `pageSize` rows per query (each its own short read). */
export function* storedTimelineHalts(ctx: StoreContext, pageSize = 1000): Generator<HaltRow> {
  const page = ctx.stmt(TIMELINE_HALTS_PAGE);
  let after = 0;
  for (;;) {
    const rows = reading(ctx, "reading the timeline projection's halts", () =>
      page.all<HaltRow>(after, pageSize),
    );
    for (const r of rows) {
      yield {
        reason: r.reason,
        tick: r.tick === null ? null : Number(r.tick),
        sequence: Number(r.sequence),
        at: r.at,
      };
    }
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]!.sequence);
  }
}

/** Forgets the stored state; call inside the transaction that rewinds the cursor to 0. */
export function clearTimelineState(ctx: StoreContext): void {
  ctx.sql.exec(TIMELINE_CLEAR);
}

/** Call inside the transaction that also moves the projection's cursor. */
export function saveTimelineState(
  ctx: StoreContext,
  tasks: Iterable<[issue: number, stateJson: string]>,
  loopJson: string,
  halts: Iterable<HaltRow> = [],
): void {
  const put = ctx.stmt(TIMELINE_TASK_PUT);
  for (const [issue, json] of tasks) put.run(issue, json);
  const halt = ctx.stmt(TIMELINE_HALT_PUT);
  for (const h of halts) halt.run(h.sequence, h.reason, h.tick, h.at);
  ctx.stmt(TIMELINE_LOOP_PUT).run(loopJson);
}
