import { isEventLogError } from "../errors.ts";
import type { EventStore } from "../store/event-store.ts";
import { type ReadLog, sqliteReadLog } from "../store/read-log.ts";
import { migration8 } from "../store/schema/timeline.ts";
import { GARBAGE, readGarbage } from "./memory-budget.ts";
import { logHome, type ProjectionHome } from "./projection-home.ts";
import type { CacheSlot } from "./timeline-cache.ts";
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

/** Rebuilds every timeline from sequence 0, in memory, from the durable log alone. */
export function replayTimelines(store: EventStore): Timelines {
  const t = emptyTimelines();
  for (const e of store.sinceFold(0, { payloads: FOLD_PAYLOADS })) {
    applyEvent(t, e);
    readGarbage.spent(GARBAGE.foldedEvent);
  }
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
 * of `bound` (by default its cursor: the cursor was rewound), or with halts inside it (an
 * earlier layout).
 */
export function storedLoop(
  home: ProjectionHome,
  cursor: number,
  json = home.loadTimelineLoop(),
  bound = cursor,
): LoopTimeline | null {
  if (json === null) return cursor === 0 ? emptyTimelines().loop : null;
  const loop = loopTimelineSchema.safeParse(parseJson(json));
  if (!loop.success || loop.data.rules !== TIMELINE_RULES) return null;
  return loop.data.last_sequence > bound || loop.data.halts.length > 0 ? null : loop.data;
}

/** The persisted projection as last stored, every task in memory (its cursor says how far). */
export function loadTimelines(store: EventStore): Timelines {
  const home = logHome(store);
  const loop = storedLoop(home, home.cursor());
  if (loop === null) return emptyTimelines();
  const t: Timelines = {
    tasks: new Map(),
    loop: { ...loop, halts: [...home.storedTimelineHalts()] },
  };
  for (const [issue, json] of home.storedTimelineTasks()) {
    const task = parseTask(json);
    if (task === null) return emptyTimelines();
    t.tasks.set(issue, task);
  }
  return t;
}

/**
 * Clears the projection and rewinds its cursor, unless the cursor or the loop is no longer
 * what the caller judged unusable (another catch-up stored meanwhile, between the caller's
 * two reads perhaps): then nothing is cleared and the caller reads them again.
 */
function rebuildFromZero(home: ProjectionHome, cursor: number, loopJson: string | null): boolean {
  return home.transaction(() => {
    if (home.cursor() !== cursor || home.loadTimelineLoop() !== loopJson) return false;
    home.clearTimelineState();
    home.moveCursor(0, true);
    return true;
  }, "rebuilding the timeline projection");
}

/**
 * How many tasks a catch-up folds in memory before it stores them, and keeps between stores
 * (as it last stored them, so a task touched again is not read back and parsed; the least
 * recently touched are dropped first).
 */
const KEPT_TASKS = 1000;

/**
 * How many pages a catch-up folds before it stores them. Each store rewrites every task it
 * touched whole, so a task seen on every page (a log repeating the same issues) was rewritten
 * on every page; folding ten pages a store writes it a tenth as often.
 */
const PAGES_PER_STORE = 10;

/**
 * Folds the `pageSize` events after `after` into `t`, each task it touches read first from
 * `kept` or its stored row; "damaged" when a stored row does not parse.
 */
function foldPage(
  store: EventStore,
  home: ProjectionHome,
  t: Timelines,
  kept: Map<number, TaskTimeline>,
  after: number,
  pageSize: number,
): { count: number; last: number } | "damaged" {
  let count = 0;
  let last = after;
  for (const e of store.sinceFold(after, { limit: pageSize, pageSize, payloads: FOLD_PAYLOADS })) {
    const issue = issueOf(e);
    if (issue !== null && !t.tasks.has(issue)) {
      const task = kept.get(issue) ?? storedTask(home, issue);
      if (task === null) return "damaged";
      if (task) t.tasks.set(issue, task);
    }
    applyEvent(t, e);
    last = e.sequence;
    count++;
    readGarbage.spent(GARBAGE.foldedEvent);
  }
  return { count, last };
}

/** The task's stored state; undefined when it has no row, null when its row does not parse. */
export function storedTask(home: ProjectionHome, issue: number): TaskTimeline | null | undefined {
  const json = home.loadTimelineTask(issue);
  return json === null ? undefined : parseTask(json);
}

/** What a catch-up last stored: the state at `cursor`, the loop's text as stored with it. */
interface Stored {
  cursor: number;
  loopJson: string | null;
  loop: LoopTimeline;
  tasks: Map<number, TaskTimeline>;
}

/** Whether `store` has the timeline projection's tables (a database of another writer may not). */
export function holdsTimelineProjection(store: EventStore): boolean {
  return store.schemaVersion() >= migration8.version;
}

/**
 * Applies the events after the projection's cursor, `pageSize` at a time, storing what they
 * changed every PAGES_PER_STORE pages (sooner when KEPT_TASKS tasks changed). The events are
 * read and folded without holding the write lock; each store then writes the touched tasks,
 * the new halts, the loop and the cursor in one write transaction, and only if the cursor and
 * the loop are still those the fold started from (else another catch-up stored first: the
 * fold is dropped and redone from there), so a crash never splits them and two catch-ups
 * never interleave. With a `budget`, it folds that many events at most and stops after
 * storing them (`caughtUp` false: it stopped for the budget, and events may be left, or none).
 */
export function catchUpTimelines(
  store: EventStore,
  pageSize = 5000,
  budget = Number.POSITIVE_INFINITY,
): { applied: number; cursor: number; caughtUp: boolean } {
  return catchUpInto(store, logHome(store), pageSize, budget);
}

/** `catchUpTimelines` with the projection kept in `home`, the events read from `store`. */
export function catchUpInto(
  store: EventStore,
  home: ProjectionHome,
  pageSize = 5000,
  budget = Number.POSITIVE_INFINITY,
): { applied: number; cursor: number; caughtUp: boolean } {
  let known: Stored | null = null;
  let applied = 0;
  for (;;) {
    if (applied >= budget) return { applied, cursor: home.cursor(), caughtUp: false };
    const cursor = home.cursor();
    const loopJson = home.loadTimelineLoop();
    const mine: Stored | null =
      known?.cursor === cursor && known.loopJson === loopJson ? known : null;
    known = null;
    const loop = mine ? mine.loop : storedLoop(home, cursor, loopJson);
    if (loop === null) {
      // Folded by other rules, damaged, or its cursor rewound: start again from sequence 0.
      if (rebuildFromZero(home, cursor, loopJson)) applied = 0;
      continue;
    }
    const kept: Map<number, TaskTimeline> = mine?.tasks ?? new Map<number, TaskTimeline>();
    const t: Timelines = { tasks: new Map(), loop: { ...loop, halts: [] } };
    let last = cursor;
    let folded = 0;
    let damaged = false;
    for (let pages = 0; pages < PAGES_PER_STORE && t.tasks.size < KEPT_TASKS; pages++) {
      const size = Math.min(pageSize, budget - applied - folded);
      if (size <= 0) break;
      const read = foldPage(store, home, t, kept, last, size);
      if (read === "damaged") {
        damaged = true;
        break;
      }
      last = read.last;
      folded += read.count;
      if (read.count < size) break;
    }
    if (damaged) {
      if (rebuildFromZero(home, cursor, loopJson)) applied = 0;
      continue;
    }
    if (last === cursor) break;
    const halts = t.loop.halts;
    t.loop.halts = [];
    const newLoopJson = JSON.stringify(t.loop);
    const stored = home.transaction(() => {
      if (home.cursor() !== cursor || home.loadTimelineLoop() !== loopJson) return false;
      const tasks = [...t.tasks].map(([issue, task]): [number, string] => [
        issue,
        JSON.stringify(task),
      ]);
      // The new halts go to rows of their own; the loop's text keeps none.
      home.saveTimelineState(tasks, newLoopJson, halts);
      home.moveCursor(last);
      return true;
    }, "storing the timeline projection");
    // Another catch-up stored first: what this one folded (its kept tasks too) is stale.
    if (!stored) continue;
    applied += folded;
    for (const [issue, task] of t.tasks) {
      kept.delete(issue);
      kept.set(issue, task);
    }
    for (const issue of kept.keys()) {
      if (kept.size <= KEPT_TASKS) break;
      kept.delete(issue);
    }
    known = { cursor: last, loopJson: newLoopJson, loop: t.loop, tasks: kept };
  }
  return { applied, cursor: home.cursor(), caughtUp: true };
}

/**
 * The stored rows as a TimelineSet, with `over` (tasks folded in memory from the events after
 * the cursor) in place of or between them: tasks stream row by row in issue order.
 */
export function storedSet(home: ProjectionHome, over: Timelines): TimelineSet {
  const stored = (issue: number, json: string): TaskTimeline => {
    const task = parseTask(json);
    if (task === null) throw home.damaged(issue);
    return task;
  };
  const { halts, ...loop } = over.loop;
  return {
    loop,
    *halts() {
      for (const halt of home.storedTimelineHalts()) {
        readGarbage.spent(GARBAGE.halt);
        yield halt;
      }
      yield* halts;
    },
    task(issue) {
      const json = over.tasks.has(issue) ? null : home.loadTimelineTask(issue);
      return json === null ? over.tasks.get(issue) : stored(issue, json);
    },
    *tasks() {
      const extra = [...over.tasks.keys()].sort((a, b) => a - b);
      let i = 0;
      for (const [issue, json] of home.storedTimelineTasks()) {
        readGarbage.spent(json.length * GARBAGE.taskByte);
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
 * over the rows they touch, and nothing is written. A log whose projection cannot be kept in
 * it (another writer's, without the projection's tables; a read-only one whose projection was
 * never built or must be rebuilt) is folded into the `cache` when there is one, and caught up
 * there the same way; else (or when the cache fails: it is dropped) it is replayed from
 * sequence 0 in memory.
 */
export function currentTimelineSet(store: EventStore, cache?: CacheSlot): TimelineSet {
  if (holdsTimelineProjection(store)) {
    if (!store.readonly) catchUpTimelines(store);
    const own = logHome(store);
    // A read-only log's projection never built is better folded into the cache, once.
    const unbuilt = store.readonly && cache && own.cursor() === 0 && store.latestSequence() > 0;
    const set = unbuilt ? null : overStored(store, own);
    if (set) return set;
  }
  const home = cache?.open(store);
  if (cache && home) {
    try {
      catchUpInto(store, home);
      const cached = overStored(store, home);
      if (cached) return cached;
    } catch (e) {
      if (!isEventLogError(e)) throw e;
      cache.drop(e);
    }
  }
  return timelineSet(replayTimelines(store));
}

/**
 * The projection stored in `home` with the events after its cursor applied in memory over the
 * tasks they touch; null when it must be rebuilt from sequence 0.
 */
function overStored(store: EventStore, home: ProjectionHome): TimelineSet | null {
  const cursor = home.cursor();
  const loop = storedLoop(home, cursor);
  if (loop === null) return null;
  const over: Timelines = { tasks: new Map(), loop };
  for (const e of store.sinceFold(cursor, { payloads: FOLD_PAYLOADS })) {
    const issue = issueOf(e);
    if (issue !== null && !over.tasks.has(issue)) {
      const json = home.loadTimelineTask(issue);
      if (json !== null) {
        const task = parseTask(json);
        if (task === null) throw home.damaged(issue);
        over.tasks.set(issue, task);
      }
    }
    applyEvent(over, e);
    readGarbage.spent(GARBAGE.foldedEvent);
  }
  return storedSet(home, over);
}

/** `currentTimelineSet` with every task in memory. */
export function currentTimelines(store: EventStore, cache?: CacheSlot): Timelines {
  const set = currentTimelineSet(store, cache);
  const tasks = new Map<number, TaskTimeline>();
  for (const task of set.tasks()) tasks.set(task.issue, task);
  return { tasks, loop: loopOf(set) };
}

/**
 * A SQLite store as a ReadLog whose timelines are this stored projection's, or the cache's
 * (closed with the ReadLog).
 */
export function storeReadLog(
  store: EventStore,
  options: { intervalMs?: number; cache?: CacheSlot } = {},
): ReadLog {
  const { cache } = options;
  return sqliteReadLog(
    store,
    { current: (s) => currentTimelineSet(s, cache), close: () => cache?.close() },
    options.intervalMs,
  );
}
