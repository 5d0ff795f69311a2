import { EventLogError } from "../errors.ts";
import { collectGarbage } from "../io/collect-garbage.ts";
import type { EventStore } from "../store/event-store.ts";
import { type ReadLog, sqliteReadLog } from "../store/read-log.ts";
import { migration8 } from "../store/schema/timeline.ts";
import {
  applyEvent,
  emptyTimelines,
  FOLD_PAYLOADS,
  issueOf,
  type LoopTimeline,
  loopOf,
  loopTimelineSchema,
  type TaskTimeline,
  TIMELINE_RULES,
  type TimelineSet,
  type Timelines,
  taskTimelineSchema,
  timelineSet,
} from "./timeline-state.ts";

export const TIMELINE_CURSOR = "timeline";

/**
 * Nothing is kept per task or page, but JavaScriptCore lets a busy heap grow with the rows
 * read before it collects (112k tasks peaked at 175 MB RSS); a collection every so many keeps
 * the peak flat.
 */
const GC_EVERY_ROWS = 1000;

/** Rebuilds every timeline from sequence 0, in memory, from the durable log alone. */
export function replayTimelines(store: EventStore): Timelines {
  const t = emptyTimelines();
  for (const e of store.sinceFold(0, { payloads: FOLD_PAYLOADS })) applyEvent(t, e);
  return t;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function parseTask(json: string): TaskTimeline | null {
  const task = taskTimelineSchema.safeParse(parseJson(json));
  return task.success ? task.data : null;
}

/**
 * The stored loop state as of `cursor`, its halts left out (they have rows of their own), or
 * null when it must be rebuilt: folded by other rules (an earlier release), unreadable, ahead
 * of its cursor (the cursor was rewound), or with halts inside it (an earlier layout).
 */
function storedLoop(store: EventStore, cursor: number): LoopTimeline | null {
  const json = store.loadTimelineLoop();
  if (json === null) return cursor === 0 ? emptyTimelines().loop : null;
  const loop = loopTimelineSchema.safeParse(parseJson(json));
  if (!loop.success || loop.data.rules !== TIMELINE_RULES) return null;
  return loop.data.last_sequence > cursor || loop.data.halts.length > 0 ? null : loop.data;
}

/** The persisted projection as last stored, every task in memory (its cursor says how far). */
export function loadTimelines(store: EventStore): Timelines {
  const loop = storedLoop(store, store.getCursor(TIMELINE_CURSOR));
  if (loop === null) return emptyTimelines();
  const t: Timelines = {
    tasks: new Map(),
    loop: { ...loop, halts: [...store.storedTimelineHalts()] },
  };
  for (const [issue, json] of store.storedTimelineTasks()) {
    const task = parseTask(json);
    if (task === null) return emptyTimelines();
    t.tasks.set(issue, task);
  }
  return t;
}

function rebuildFromZero(store: EventStore): void {
  store.transaction(() => {
    store.clearTimelineState();
    store.setCursor(TIMELINE_CURSOR, 0, { rewind: true });
  }, "rebuilding the timeline projection");
}

/**
 * How many tasks a catch-up keeps in memory between pages, as it last stored them, so a task
 * touched page after page is not read back and parsed each time (the least recently touched
 * are dropped first).
 */
const KEPT_TASKS = 1000;

/**
 * Applies the events after the projection's cursor, a page at a time. Each page reads the
 * stored rows of only the tasks it touches (those it stored itself on an earlier page come
 * from memory while the cursor is where it left it), and its state changes and the cursor
 * move commit in one write transaction, so a crash never splits them and two catch-ups never
 * interleave.
 */
export function catchUpTimelines(
  store: EventStore,
  pageSize = 5000,
): { applied: number; cursor: number } {
  let known: { cursor: number; loop: LoopTimeline; tasks: Map<number, TaskTimeline> } | null = null;
  let applied = 0;
  for (;;) {
    const step = store.transaction((): number | "rebuild" => {
      const cursor = store.getCursor(TIMELINE_CURSOR);
      const mine = known?.cursor === cursor ? known : null;
      const loop = mine ? mine.loop : storedLoop(store, cursor);
      if (loop === null) return "rebuild";
      const page = [
        ...store.sinceFold(cursor, { limit: pageSize, pageSize, payloads: FOLD_PAYLOADS }),
      ];
      if (page.length === 0) return 0;
      const kept = mine?.tasks ?? new Map<number, TaskTimeline>();
      const t: Timelines = { tasks: new Map(), loop };
      for (const e of page) {
        const issue = issueOf(e);
        if (issue === null || t.tasks.has(issue)) continue;
        const cached = kept.get(issue);
        if (cached) {
          t.tasks.set(issue, cached);
          continue;
        }
        const json = store.loadTimelineTask(issue);
        if (json === null) continue;
        const task = parseTask(json);
        if (task === null) return "rebuild";
        t.tasks.set(issue, task);
      }
      for (const e of page) applyEvent(t, e);
      const last = page[page.length - 1]!.sequence;
      const tasks = [...t.tasks].map(([issue, task]): [number, string] => [
        issue,
        JSON.stringify(task),
      ]);
      // The page's new halts go to rows of their own; the loop's text keeps none.
      const halts = t.loop.halts;
      t.loop.halts = [];
      store.saveTimelineState(tasks, JSON.stringify(t.loop), halts);
      store.advanceCursor(TIMELINE_CURSOR, last);
      for (const [issue, task] of t.tasks) {
        kept.delete(issue);
        kept.set(issue, task);
      }
      for (const issue of kept.keys()) {
        if (kept.size <= KEPT_TASKS) break;
        kept.delete(issue);
      }
      known = { cursor: last, loop: t.loop, tasks: kept };
      return page.length;
    }, "storing the timeline projection");
    if (step === 0) break;
    if (step !== "rebuild" && (applied + step) % (GC_EVERY_ROWS * 5) < step) collectGarbage();
    if (step === "rebuild") {
      // Folded by other rules, damaged, or its cursor rewound: start again from sequence 0.
      rebuildFromZero(store);
      known = null;
      applied = 0;
      continue;
    }
    applied += step;
  }
  return { applied, cursor: store.getCursor(TIMELINE_CURSOR) };
}

function damagedRow(store: EventStore, issue: number): EventLogError {
  return new EventLogError(
    "db_corrupt",
    `the timeline projection in ${store.path} holds a damaged row for issue ${issue}; rebuild it with 'forge-eventlog cursors set timeline 0 --rewind', or fold from the log alone with 'forge-eventlog timeline --verify'`,
  );
}

/**
 * The stored rows as a TimelineSet, with `over` (tasks folded in memory from the events after
 * the cursor) in place of or between them: tasks stream row by row in issue order.
 */
function storedSet(store: EventStore, over: Timelines): TimelineSet {
  const stored = (issue: number, json: string): TaskTimeline => {
    const task = parseTask(json);
    if (task === null) throw damagedRow(store, issue);
    return task;
  };
  const { halts, ...loop } = over.loop;
  return {
    loop,
    *halts() {
      let read = 0;
      for (const halt of store.storedTimelineHalts()) {
        if (++read % GC_EVERY_ROWS === 0) collectGarbage();
        yield halt;
      }
      yield* halts;
    },
    task(issue) {
      const json = over.tasks.has(issue) ? null : store.loadTimelineTask(issue);
      return json === null ? over.tasks.get(issue) : stored(issue, json);
    },
    *tasks() {
      const extra = [...over.tasks.keys()].sort((a, b) => a - b);
      let i = 0;
      let read = 0;
      for (const [issue, json] of store.storedTimelineTasks()) {
        if (++read % GC_EVERY_ROWS === 0) collectGarbage();
        while (i < extra.length && extra[i]! < issue) yield over.tasks.get(extra[i++]!)!;
        if (extra[i] === issue) {
          yield over.tasks.get(extra[i++]!)!;
          continue;
        }
        yield stored(issue, json);
      }
      while (i < extra.length) yield over.tasks.get(extra[i++]!)!;
    },
  };
}

/**
 * The timelines as of the latest event, from the stored projection, streamed from its rows.
 * On a writable store the projection is caught up and stored first, so the next call reads
 * only what landed since; on a read-only one the events after its cursor are applied in memory
 * over the rows they touch, and nothing is written. A database without the projection's
 * tables (another writer's), or a read-only one whose projection must be rebuilt, is replayed
 * from sequence 0 in memory.
 */
export function currentTimelineSet(store: EventStore): TimelineSet {
  if (store.schemaVersion() < migration8.version) return timelineSet(replayTimelines(store));
  if (!store.readonly) catchUpTimelines(store);
  const cursor = store.getCursor(TIMELINE_CURSOR);
  const loop = storedLoop(store, cursor);
  if (loop === null) return timelineSet(replayTimelines(store));
  const over: Timelines = { tasks: new Map(), loop };
  for (const e of store.sinceFold(cursor, { payloads: FOLD_PAYLOADS })) {
    const issue = issueOf(e);
    if (issue !== null && !over.tasks.has(issue)) {
      const json = store.loadTimelineTask(issue);
      if (json !== null) {
        const task = parseTask(json);
        if (task === null) throw damagedRow(store, issue);
        over.tasks.set(issue, task);
      }
    }
    applyEvent(over, e);
  }
  return storedSet(store, over);
}

/** `currentTimelineSet` with every task in memory. */
export function currentTimelines(store: EventStore): Timelines {
  const set = currentTimelineSet(store);
  const tasks = new Map<number, TaskTimeline>();
  for (const task of set.tasks()) tasks.set(task.issue, task);
  return { tasks, loop: loopOf(set) };
}

/** A SQLite store as a ReadLog whose timelines are this stored projection's. */
export function storeReadLog(store: EventStore, intervalMs?: number): ReadLog {
  return sqliteReadLog(store, currentTimelineSet, intervalMs);
}
