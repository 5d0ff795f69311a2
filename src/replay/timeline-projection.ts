import type { EventStore } from "../store/event-store.ts";
import { type ReadLog, sqliteReadLog } from "../store/read-log.ts";
import { migration3 } from "../store/schema/timeline.ts";
import {
  applyEvent,
  emptyTimelines,
  loopTimelineSchema,
  TIMELINE_RULES,
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
  return storedTimelines(store) ?? emptyTimelines();
}

/** The stored projection, or null when it was folded by other rules (it must be rebuilt). */
function storedTimelines(store: EventStore): Timelines | null {
  const t = emptyTimelines();
  const stored = store.loadTimelineState();
  if (stored.loop) {
    const loop = loopTimelineSchema.safeParse(JSON.parse(stored.loop));
    if (!loop.success || loop.data.rules !== TIMELINE_RULES) return null;
    t.loop = loop.data;
  }
  for (const json of stored.tasks) {
    const task = taskTimelineSchema.safeParse(JSON.parse(json));
    if (!task.success) return null;
    t.tasks.set(task.data.issue, task.data);
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
  let t = storedTimelines(store);
  if (t === null) {
    // Folded by an earlier release's rules: start again from sequence 0.
    store.transaction(() => {
      store.clearTimelineState();
      store.setCursor(TIMELINE_CURSOR, 0, { rewind: true });
    }, "rebuilding the timeline projection");
    t = emptyTimelines();
  }
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
      const tasks = [...touched].map((issue): [number, string] => [
        issue,
        JSON.stringify(t.tasks.get(issue)),
      ]);
      store.saveTimelineState(tasks, JSON.stringify(t.loop));
      store.advanceCursor(TIMELINE_CURSOR, last);
    }, "storing the timeline projection");
    cursor = last;
    applied += page.length;
  }
  return { applied, cursor };
}

/**
 * The timelines as of the latest event, from the stored projection. On a writable store the
 * projection is caught up and stored, so the next call reads only what landed since; on a
 * read-only one the events after its cursor are applied in memory and nothing is written. A
 * database without the projection's tables (another writer's) is replayed from sequence 0.
 */
export function currentTimelines(store: EventStore): Timelines {
  if (store.schemaVersion() < migration3.version) return replayTimelines(store);
  if (!store.readonly) {
    catchUpTimelines(store);
    return loadTimelines(store);
  }
  const t = storedTimelines(store);
  if (t === null) return replayTimelines(store);
  for (const e of store.since(store.getCursor(TIMELINE_CURSOR))) applyEvent(t, e);
  return t;
}

/** A SQLite store as a ReadLog whose timelines are this stored projection's. */
export function storeReadLog(store: EventStore, intervalMs?: number): ReadLog {
  return sqliteReadLog(store, currentTimelines, intervalMs);
}
