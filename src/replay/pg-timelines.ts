import { isEventLogError } from "../errors.ts";
import type { DriverModule } from "../store/driver.ts";
import type { PgEventStore } from "../store/pg/pg-store.ts";
import { ReorderedSource } from "../store/pg/read.ts";
import { type CachedLog, isFileSystemError, TimelineCache } from "./timeline-cache.ts";
import { storedLoop, storedSet, storedTask } from "./timeline-projection.ts";
import {
  applyEvent,
  emptyTimelines,
  FOLD_PAYLOADS,
  issueOf,
  type TimelineSet,
  type Timelines,
  timelineSet,
} from "./timeline-state.ts";

/** Where the timelines of a PostgreSQL log's sources are cached (see pgSourceTimelines). */
export interface PgTimelineCache {
  dir: string;
  /** The SQLite driver module to open cache files with. */
  driver: DriverModule;
  /** Told why a cache was dropped (the source's timelines are then folded without it). */
  onDrop(error: Error): void;
  /**
   * Where the cache files a read streams its timelines from stay open until the read ends:
   * `closeAll` closes them.
   */
  open: TimelineCache[];
  /** Events folded between two stores (default EVENTS_PER_STORE). */
  eventsPerStore?: number;
}

/** Closes the cache files a PostgreSQL read kept open. */
export function closeAll(cache: PgTimelineCache | undefined): void {
  for (const file of cache?.open.splice(0) ?? []) file.close();
}

/** The source's events after `after` folded into `t`; the position and id of the last. */
async function foldAfter(
  store: PgEventStore,
  source: string,
  t: Timelines,
  after: number,
  options: { before?: (issue: number) => void; limit?: number } = {},
): Promise<{ position: number; eventId: string | undefined; count: number }> {
  const { before, limit = Number.POSITIVE_INFINITY } = options;
  let position = after;
  let eventId: string | undefined;
  let count = 0;
  if (limit <= 0) return { position, eventId, count };
  for await (const e of store.sinceFold(after, {
    source: source === "" ? null : source,
    payloads: FOLD_PAYLOADS,
  })) {
    if (before) {
      const issue = issueOf(e);
      if (issue !== null) before(issue);
    }
    applyEvent(t, e);
    position = e.position;
    eventId = e.event_id;
    if (++count >= limit) break;
  }
  return { position, eventId, count };
}

/**
 * How many events a cached read folds before it stores them and goes on with only the tasks
 * the next ones touch in memory: a source folded from its first event is never held whole.
 */
const EVENTS_PER_STORE = 50_000;

/**
 * The timelines of one source of a PostgreSQL log ("": the events written there directly),
 * each of its events folded with the sequence it had in its source log. With a `cache`, the
 * events after where the source's cache file (per log, schema and source; see TimelineCache)
 * stands are folded over the tasks they touch, stored back, and the timelines streamed from
 * its rows, so each call reads only the events since the last; a cache that fails is dropped
 * and the source folded from its first event in memory.
 */
export async function pgSourceTimelines(
  store: PgEventStore,
  source: string,
  cache?: PgTimelineCache,
): Promise<TimelineSet> {
  try {
    if (cache) {
      try {
        // Another reader storing first makes this one read again, once, from where it got.
        return (
          (await throughCache(store, source, cache)) ??
          (await throughCache(store, source, cache)) ??
          (await inMemory(store, source))
        );
      } catch (e) {
        if (!isCacheFailure(e)) throw e;
        cache.onDrop(e);
      }
    }
    return await inMemory(store, source);
  } catch (e) {
    if (!(e instanceof ReorderedSource)) throw e;
    return inCommitOrder(store, source);
  }
}

/**
 * The cache file's own failures (SQLite's, the file system's); PostgreSQL's are the read's and
 * surface as they are.
 */
const isCacheFailure = (e: unknown): e is Error =>
  isEventLogError(e) ? e.code.startsWith("db_") : isFileSystemError(e);

/** Reads each task the fold into `over` touches from the cache first. */
function lazyTasks(cache: TimelineCache, over: Timelines): (issue: number) => void {
  return (issue) => {
    if (over.tasks.has(issue)) return;
    const task = storedTask(cache, issue);
    if (task === null) throw cache.damaged(issue);
    if (task) over.tasks.set(issue, task);
  };
}

async function inMemory(store: PgEventStore, source: string): Promise<TimelineSet> {
  const t = emptyTimelines();
  await foldAfter(store, source, t, 0);
  return timelineSet(t);
}

/** Every event of the source in this log's order, read whole: slower, for a reordered source. */
async function inCommitOrder(store: PgEventStore, source: string): Promise<TimelineSet> {
  const t = emptyTimelines();
  for await (const e of store.sinceWithOrigin(0, { source: source === "" ? null : source })) {
    applyEvent(t, { ...e, sequence: e.source_sequence ?? e.sequence });
  }
  return timelineSet(t);
}

/** The source's timelines through its cache; undefined when another reader stored first. */
async function throughCache(
  store: PgEventStore,
  source: string,
  options: PgTimelineCache,
): Promise<TimelineSet | undefined> {
  // What the cache asks of the log, known before it asks: the event it stands at, the head.
  // Its positions are the source's (PgFoldEvent.position), not the log's sequences.
  const name = source === "" ? null : source;
  const ids = new Map<number, string>();
  let head = await store.sourceHead(name);
  const log: CachedLog = {
    key: `${store.path}#${store.schema}\n${source}`,
    label: `${store.path} (${source === "" ? "events written there" : `source ${source}`})`,
    latestSequence: () => head,
    eventIdAt: (sequence) => ids.get(sequence),
  };
  const cache = TimelineCache.openFile(log, options.driver, options.dir);
  let kept = false;
  try {
    // The id of the event the cache stands at, fetched again if another reader moved it meanwhile.
    for (let tries = 0; tries < 3; tries++) {
      const standing = cache.readableCursor();
      if (standing > 0 && !ids.has(standing)) {
        const id = await store.eventIdAt(name, standing);
        if (id !== undefined) ids.set(standing, id);
      }
      if (cache.readableCursor() === standing) break;
    }
    cache.dropIfStale();
    let cursor = cache.cursor();
    let loopJson = cache.loadTimelineLoop();
    // Source sequences are not this log's: the stored loop is not bounded by the cursor.
    let loop = storedLoop(cache, cursor, loopJson, Number.POSITIVE_INFINITY);
    if (loop === null) {
      // Folded by other rules, or damaged: emptied, then folded from the first event.
      const was = { cursor, loopJson };
      const emptied = cache.transaction(() => {
        if (cache.cursor() !== was.cursor || cache.loadTimelineLoop() !== was.loopJson)
          return false;
        cache.clearTimelineState();
        cache.moveCursor(0, true);
        return true;
      }, "emptying the timeline cache");
      if (!emptied) return undefined;
      cursor = 0;
      loopJson = null;
      loop = emptyTimelines().loop;
    }
    const perStore = options.eventsPerStore ?? EVENTS_PER_STORE;
    for (;;) {
      const over: Timelines = { tasks: new Map(), loop: { ...loop, halts: [] } };
      const last = await foldAfter(store, source, over, cursor, {
        limit: perStore,
        before: lazyTasks(cache, over),
      });
      if (last.count === 0) break;
      head = Math.max(head, last.position);
      if (last.eventId !== undefined) ids.set(last.position, last.eventId);
      const { halts, ...state } = over.loop;
      const newLoopJson = JSON.stringify({ ...state, halts: [] });
      const was = { cursor, loopJson };
      let stored = false;
      try {
        stored = cache.transaction(() => {
          if (cache.cursor() !== was.cursor || cache.loadTimelineLoop() !== was.loopJson) {
            return false;
          }
          cache.saveTimelineState(
            [...over.tasks].map(([issue, task]): [number, string] => [issue, JSON.stringify(task)]),
            newLoopJson,
            halts,
          );
          cache.moveCursor(last.position);
          return true;
        }, "storing the timeline cache");
      } catch (e) {
        // Only keeping the fold failed; from the first event, it is made again without the cache.
        if (!isCacheFailure(e)) throw e;
        options.onDrop(e);
        if (was.cursor === 0) return inMemory(store, source);
        // Else what was folded is whole over the rows as they were: the rest is read past them.
        if (last.count === perStore) {
          await foldAfter(store, source, over, last.position, { before: lazyTasks(cache, over) });
        }
        kept = true;
        options.open.push(cache);
        return storedSet(cache, over);
      }
      if (!stored) return undefined;
      cursor = last.position;
      loopJson = newLoopJson;
      loop = { ...state, halts: [] };
      if (last.count < perStore) break;
    }
    kept = true;
    options.open.push(cache);
    return storedSet(cache, { tasks: new Map(), loop });
  } finally {
    if (!kept) cache.close();
  }
}
