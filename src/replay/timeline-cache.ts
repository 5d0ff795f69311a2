import { mkdirSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../encoding/sha256.ts";
import { EventLogError, isEventLogError } from "../errors.ts";
import type { StoreContext } from "../store/context.ts";
import { checkCursorMove } from "../store/cursor-rules.ts";
import type { EventStore } from "../store/event-store.ts";
import { openContextWith } from "../store/open.ts";
import {
  clearTimelineState,
  loadTimelineLoop,
  loadTimelineTask,
  saveTimelineState,
  storedTimelineHalts,
  storedTimelineTasks,
} from "../store/projection-state.ts";
import {
  CACHE_POSITION_GET,
  CACHE_POSITION_PUT,
  TIMELINE_CACHE_SCHEMA,
} from "../store/schema/timeline-cache.ts";
import { writeTransaction } from "../store/transaction.ts";
import type { ProjectionHome } from "./projection-home.ts";

/** Failures of the cache file itself, after which it is removed and made again once. */
const UNUSABLE = new Set(["db_not_a_database", "db_corrupt", "db_wal_missing"]);

/** The cache file of the log at `logPath`: a digest of its real path, so each log has one. */
export function timelineCacheFile(dir: string, logPath: string): string {
  return join(dir, "timelines", `${sha256Hex(realpathSync(logPath)).slice(0, 32)}.db`);
}

/**
 * The timeline projection of a log that cannot hold it (opened read-only, or another writer's
 * database, which a reader never migrates), kept in a file of its own under the cache
 * directory, so each `timeline` folds only the events since the last. It holds where it
 * stands: the sequence folded up to and that event's id. When the log no longer has that event
 * there (replaced, restored from an older copy, compacted past it), the cache is emptied and
 * folded again from sequence 0; a cache file that is no database is removed and made again.
 */
export class TimelineCache implements ProjectionHome {
  readonly repair: string;

  private constructor(
    private readonly ctx: StoreContext,
    private readonly log: EventStore,
  ) {
    this.repair = `delete ${ctx.path} (a cache: the next timeline makes it again), or read without it with 'forge-eventlog timeline --no-cache'`;
  }

  static open(log: EventStore, dir: string): TimelineCache {
    const file = timelineCacheFile(dir, log.path);
    mkdirSync(join(dir, "timelines"), { recursive: true, mode: 0o700 });
    const open = () => openContextWith(log.driver, file, { schema: TIMELINE_CACHE_SCHEMA });
    let ctx: StoreContext;
    try {
      ctx = open();
    } catch (e) {
      if (!isEventLogError(e) || !UNUSABLE.has(e.code)) throw e;
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
      ctx = open();
    }
    const cache = new TimelineCache(ctx, log);
    try {
      cache.dropIfStale();
    } catch (e) {
      cache.close();
      throw e;
    }
    return cache;
  }

  get path(): string {
    return this.ctx.path;
  }

  cursor(): number {
    return this.position()?.sequence ?? 0;
  }

  moveCursor(sequence: number, rewind?: boolean): void {
    writeTransaction(this.ctx, "moving the timeline cache's position", () => {
      const head = this.log.latestSequence();
      checkCursorMove("timeline", { current: this.cursor(), sequence, head, rewind });
      const eventId = sequence === 0 ? null : (this.log.eventAt(sequence)?.event_id ?? null);
      this.ctx.stmt(CACHE_POSITION_PUT).run(this.log.path, sequence, eventId);
    });
  }

  loadTimelineLoop(): string | null {
    return loadTimelineLoop(this.ctx);
  }

  loadTimelineTask(issue: number): string | null {
    return loadTimelineTask(this.ctx, issue);
  }

  storedTimelineTasks() {
    return storedTimelineTasks(this.ctx);
  }

  storedTimelineHalts() {
    return storedTimelineHalts(this.ctx);
  }

  clearTimelineState(): void {
    clearTimelineState(this.ctx);
  }

  saveTimelineState(...args: Parameters<ProjectionHome["saveTimelineState"]>): void {
    saveTimelineState(this.ctx, ...args);
  }

  transaction<T>(fn: () => T, doing: string): T {
    return writeTransaction(this.ctx, doing, fn);
  }

  close(): void {
    this.ctx.sql.close();
  }

  private position(): { log: string; sequence: number; event_id: string | null } | undefined {
    const row = this.ctx
      .stmt(CACHE_POSITION_GET)
      .get<{ log: string; sequence: number; event_id: string | null }>();
    if (row === undefined) return undefined;
    const sequence = Number(row.sequence);
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      throw new EventLogError(
        "db_corrupt",
        `the timeline cache ${this.ctx.path} holds ${String(row.sequence)} as its position; ${this.repair}`,
      );
    }
    return { ...row, sequence };
  }

  /** Empties the cache when the log no longer holds the event it was folded up to. */
  private dropIfStale(): void {
    const at = this.position();
    if (at === undefined || at.sequence === 0) return;
    if (this.log.eventAt(at.sequence)?.event_id === at.event_id && at.event_id !== null) return;
    writeTransaction(this.ctx, "emptying the timeline cache", () => {
      if (this.position()?.sequence !== at.sequence) return;
      clearTimelineState(this.ctx);
      this.ctx.stmt(CACHE_POSITION_PUT).run(this.log.path, 0, null);
    });
  }
}

/**
 * The timeline cache of one read, opened when first needed. A cache that cannot be opened or
 * fails while in use is dropped (`onDrop` is told why) and the log is read without it: a
 * cache never fails a command.
 */
export class CacheSlot {
  private cache: TimelineCache | undefined;
  private tried = false;

  constructor(
    private readonly dir: string,
    private readonly onDrop: (error: EventLogError | Error) => void,
  ) {}

  open(log: EventStore): TimelineCache | undefined {
    if (this.tried) return this.cache;
    this.tried = true;
    try {
      this.cache = TimelineCache.open(log, this.dir);
    } catch (e) {
      // Ours, or the file system's (a cache directory that cannot be made, say).
      if (!isEventLogError(e) && !(e instanceof Error && "code" in e)) throw e;
      this.onDrop(e);
    }
    return this.cache;
  }

  drop(error: EventLogError): void {
    this.onDrop(error);
    this.close();
  }

  close(): void {
    this.cache?.close();
    this.cache = undefined;
  }
}
