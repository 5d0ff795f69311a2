import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import {
  TIMELINE_CLEAR,
  TIMELINE_LOOP_GET,
  TIMELINE_LOOP_PUT,
  TIMELINE_TASK_PUT,
  TIMELINE_TASKS_ALL,
} from "./schema/timeline.ts";

/** The timeline projection's stored state, as JSON texts the projection itself parses. */
export interface TimelineStateRows {
  loop: string | null;
  tasks: string[];
}

export function loadTimelineState(ctx: StoreContext): TimelineStateRows {
  return reading(ctx, "reading the timeline projection", () => ({
    loop: ctx.stmt(TIMELINE_LOOP_GET).get<{ state_json: string }>()?.state_json ?? null,
    tasks: ctx
      .stmt(TIMELINE_TASKS_ALL)
      .all<{ state_json: string }>()
      .map((r) => r.state_json),
  }));
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
): void {
  const put = ctx.stmt(TIMELINE_TASK_PUT);
  for (const [issue, json] of tasks) put.run(issue, json);
  ctx.stmt(TIMELINE_LOOP_PUT).run(loopJson);
}
