import { EventLogError, isEventLogError } from "../errors.ts";
import type { DriverModule } from "../store/driver.ts";
import type { PgEventStore } from "../store/pg/pg-store.ts";
import { type CachedLog, TimelineCache } from "./timeline-cache.ts";
import { storedTimelines } from "./timeline-projection.ts";
import {
  applyEvent,
  emptyTimelines,
  FOLD_PAYLOADS,
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
}

/** The source's events after `after` folded into `t`; the position and id of the last. */
async function foldAfter(
  store: PgEventStore,
  source: string,
  t: Timelines,
  after: number,
  touched?: Set<number>,
): Promise<{ position: number; eventId: string | undefined }> {
  let position = after;
  let eventId: string | undefined;
  for await (const e of store.sinceFold(after, {
    source: source === "" ? null : source,
    payloads: FOLD_PAYLOADS,
  })) {
    const issue = applyEvent(t, e);
    if (issue !== null) touched?.add(issue);
    position = e.position;
    eventId = e.event_id;
  }
  return { position, eventId };
}

/**
 * The timelines of one source of a PostgreSQL log ("": the events written there directly),
 * each of its events folded with the sequence it had in its source log. With a `cache`, the
 * fold starts from the state a cache file of its own (per log, schema and source; see
 * TimelineCache) holds, and what it adds is stored back, so each call reads only the events
 * since the last; a cache that fails is dropped and the source folded from its first event.
 */
export async function pgSourceTimelines(
  store: PgEventStore,
  source: string,
  cache?: PgTimelineCache,
): Promise<TimelineSet> {
  if (cache) {
    try {
      return await throughCache(store, source, cache);
    } catch (e) {
      if (!isEventLogError(e) && !(e instanceof Error && "code" in e)) throw e;
      cache.onDrop(e);
    }
  }
  const t = emptyTimelines();
  await foldAfter(store, source, t, 0);
  return timelineSet(t);
}

async function throughCache(
  store: PgEventStore,
  source: string,
  options: PgTimelineCache,
): Promise<TimelineSet> {
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
  try {
    const standing = cache.readableCursor();
    if (standing > 0) {
      const id = await store.eventIdAt(name, standing);
      if (id !== undefined) ids.set(standing, id);
    }
    cache.dropIfStale();
    const cursor = cache.cursor();
    const loopJson = cache.loadTimelineLoop();
    // Source sequences are not this log's: the stored loop is not bounded by the cursor.
    const stored = storedTimelines(cache, cursor, loopJson, Number.POSITIVE_INFINITY);
    const rebuild = stored === null;
    const t = stored ?? emptyTimelines();
    const haltsBefore = t.loop.halts.length;
    const touched = new Set<number>();
    const from = rebuild ? 0 : cursor;
    const last = await foldAfter(store, source, t, from, touched);
    if (last.position === from && !rebuild) return timelineSet(t);
    head = Math.max(head, last.position);
    if (last.eventId !== undefined) ids.set(last.position, last.eventId);
    try {
      cache.transaction(() => {
        if (cache.cursor() !== cursor || cache.loadTimelineLoop() !== loopJson) return;
        if (rebuild) cache.clearTimelineState();
        const issues = rebuild ? [...t.tasks.keys()] : [...touched];
        const { halts, ...loop } = t.loop;
        cache.saveTimelineState(
          issues.map((issue): [number, string] => [issue, JSON.stringify(t.tasks.get(issue))]),
          JSON.stringify({ ...loop, halts: [] }),
          halts.slice(rebuild ? 0 : haltsBefore),
        );
        cache.moveCursor(last.position, rebuild);
      }, "storing the timeline cache");
    } catch (e) {
      // The timelines folded are whole; only keeping them failed.
      if (!(e instanceof EventLogError)) throw e;
      options.onDrop(e);
    }
    return timelineSet(t);
  } finally {
    cache.close();
  }
}
