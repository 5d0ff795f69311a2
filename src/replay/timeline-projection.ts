import type { EventStore } from "../store/event-store.ts";
import {
  applyEvent,
  emptyTimelines,
  loopTimelineSchema,
  type Timelines,
  taskTimelineSchema,
} from "./timeline-state.ts";

export const TIMELINE_CURSOR = "timeline";

/** Rebuilds every timeline from sequence 0, in memory, from the durable log alone. */
export function replayTimelines(store: EventStore): Timelines {
  const t = emptyTimelines();
  for (const e of store.since(0)) applyEvent(t, e);
  return t;
}

/** The persisted projection as last stored (its cursor says how far it got). */
export function loadTimelines(store: EventStore): Timelines {
  const t = emptyTimelines();
  const loop = store
    .statement("SELECT state_json FROM timeline_loop WHERE id = 1")
    .get<{ state_json: string }>();
  if (loop) t.loop = loopTimelineSchema.parse(JSON.parse(loop.state_json));
  const rows = store
    .statement("SELECT state_json FROM timeline_tasks ORDER BY issue")
    .all<{ state_json: string }>();
  for (const row of rows) {
    const task = taskTimelineSchema.parse(JSON.parse(row.state_json));
    t.tasks.set(task.issue, task);
  }
  return t;
}

/**
 * Applies the events after the projection's cursor, a page at a time; each page's state
 * changes and the cursor move commit in one transaction, so a crash never splits them.
 */
export function catchUpTimelines(
  store: EventStore,
  pageSize = 1000,
): { applied: number; cursor: number } {
  const t = loadTimelines(store);
  let cursor = store.getCursor(TIMELINE_CURSOR);
  let applied = 0;
  for (;;) {
    const page = [...store.since(cursor, { limit: pageSize, pageSize })];
    if (page.length === 0) break;
    const touched = new Set<number>();
    for (const e of page) {
      const issue = applyEvent(t, e);
      if (issue !== null) touched.add(issue);
    }
    const last = page[page.length - 1]!.sequence;
    store.transaction(() => {
      const upsert = store.statement(
        `INSERT INTO timeline_tasks (issue, state_json) VALUES (?, ?)
         ON CONFLICT(issue) DO UPDATE SET state_json = excluded.state_json`,
      );
      for (const issue of touched) upsert.run(issue, JSON.stringify(t.tasks.get(issue)));
      store
        .statement(
          `INSERT INTO timeline_loop (id, state_json) VALUES (1, ?)
           ON CONFLICT(id) DO UPDATE SET state_json = excluded.state_json`,
        )
        .run(JSON.stringify(t.loop));
      store.advanceCursor(TIMELINE_CURSOR, last);
    }, "storing the timeline projection");
    cursor = last;
    applied += page.length;
  }
  return { applied, cursor };
}
