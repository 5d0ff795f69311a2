import { mkdirSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../encoding/sha256.ts";
import { EventLogError, isEventLogError } from "../errors.ts";
import type { StoreContext } from "../store/context.ts";
import { checkCursorMove } from "../store/cursor-rules.ts";
import type { DriverModule } from "../store/driver.ts";
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

/**
 * How long a cache waits for another reader's write lock: theirs are short; a lock held
 * longer is a stuck process, and the read goes without the cache instead of waiting on it.
 */
const BUSY_MS = 1000;

/** A failure of the file system (a cache directory that cannot be made, say). */
export const isFileSystemError = (e: unknown): e is Error => e instanceof Error && "code" in e;

/** Failures of the cache file itself, after which it is removed and made again once. */
const UNUSABLE = new Set(["db_not_a_database", "db_corrupt", "db_wal_missing"]);

/** Where a cache stands in its log: the sequence folded up to, and that event's id. */
type Position = { log: string; sequence: number; event_id: string | null };

/** What a cache needs of its log, at once. */
export interface CachedLog {
  /** What names the log (a file's real path; a PostgreSQL log's URL and source). */
  readonly key: string;
  /** How messages, and the position row, name it. */
  readonly label: string;
  latestSequence(): number;
  /** The id of the event at `sequence`; undefined when there is none, or it is not known. */
  eventIdAt(sequence: number): string | undefined;
}

/** A SQLite file as its cache sees it; its key is its real path. */
export function sqliteCachedLog(store: EventStore): CachedLog {
  return {
    key: realpathSync(store.path),
    label: store.path,
    latestSequence: () => store.latestSequence(),
    eventIdAt: (sequence) => store.eventAt(sequence)?.event_id,
  };
}

/** The cache file of the log named `key`: a digest of the key, so each log has one. */
export function timelineCacheFile(dir: string, key: string): string {
  return join(dir, "timelines", `${sha256Hex(key).slice(0, 32)}.db`);
}

/**
 * The timeline projection of a log that cannot hold it (opened read-only, another writer's
 * database, which a reader never migrates, or one source of a PostgreSQL log), kept in a file
 * of its own under the cache directory, so each `timeline` folds only the events since the
 * last. It holds where it stands: the position folded up to and that event's id. When the log
 * no longer has that event there (replaced, restored from an older copy, compacted past it),
 * the cache is emptied and folded again from the start; a cache file that is no database is
 * removed and made again.
 */
export class TimelineCache implements ProjectionHome {
  private constructor(
    private readonly ctx: StoreContext,
    private readonly log: CachedLog,
  ) {}

  /**
   * The cache of `log`, emptied first when it no longer holds the event the cache stands at
   * (dropIfStale). `driver`: the SQLite driver module to open the cache file with.
   */
  static open(log: CachedLog, driver: DriverModule, dir: string): TimelineCache {
    const cache = TimelineCache.openFile(log, driver, dir);
    try {
      cache.dropIfStale();
    } catch (e) {
      cache.close();
      throw e;
    }
    return cache;
  }

  /** The cache file of `log`, opened (made when missing) but not yet checked against it. */
  static openFile(log: CachedLog, driver: DriverModule, dir: string): TimelineCache {
    const file = timelineCacheFile(dir, log.key);
    mkdirSync(join(dir, "timelines"), { recursive: true, mode: 0o700 });
    const open = () =>
      openContextWith(driver, file, { schema: TIMELINE_CACHE_SCHEMA, busyTimeoutMs: BUSY_MS });
    let ctx: StoreContext;
    try {
      ctx = open();
    } catch (e) {
      if (!isEventLogError(e) || !UNUSABLE.has(e.code)) throw e;
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
      ctx = open();
    }
    return new TimelineCache(ctx, log);
  }

  get path(): string {
    return this.ctx.path;
  }

  cursor(): number {
    return this.position()?.sequence ?? 0;
  }

  /** The sequence the cache stands at; 0 when its position cannot be read either. */
  readableCursor(): number {
    try {
      return this.cursor();
    } catch {
      return 0;
    }
  }

  /**
   * Also checks, in the same transaction, that the position moved from is one of this log:
   * another reader of another file at the same path (the log replaced between two opens) may
   * have stored its own fold there; this read then goes without the cache, and the next open
   * finds the position stale.
   */
  moveCursor(sequence: number, rewind?: boolean): void {
    writeTransaction(this.ctx, "moving the timeline cache's position", () => {
      const at = this.position();
      if (!rewind && at !== undefined && at.sequence > 0 && !this.holds(at)) {
        throw new EventLogError(
          "db_error",
          `the timeline cache ${this.ctx.path} holds another fold than ${this.log.label}'s (the log was replaced while it was read)`,
        );
      }
      const head = this.log.latestSequence();
      checkCursorMove("timeline", { current: at?.sequence ?? 0, sequence, head, rewind });
      const eventId = sequence === 0 ? null : (this.log.eventIdAt(sequence) ?? null);
      this.ctx.stmt(CACHE_POSITION_PUT).run(this.log.label, sequence, eventId);
    });
  }

  /** Empties the cache (the next read folds it again), and says so. */
  damaged(issue: number): EventLogError {
    let emptied = "";
    try {
      this.empty();
      emptied = ", and was emptied: run the command again to fold it anew";
    } catch {
      emptied = `; delete ${this.ctx.path} (a cache: the next timeline makes it again)`;
    }
    return new EventLogError(
      "db_corrupt",
      `the timeline cache ${this.ctx.path} held a damaged row for issue ${issue}${emptied}, or read without it with --no-cache`,
    );
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

  private position(): Position | undefined {
    const row = this.ctx.stmt(CACHE_POSITION_GET).get<Position>();
    if (row === undefined) return undefined;
    const sequence = Number(row.sequence);
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      throw new EventLogError(
        "db_corrupt",
        `the timeline cache ${this.ctx.path} holds ${String(row.sequence)} as its position`,
      );
    }
    return { ...row, sequence };
  }

  /** Whether the log still holds, at the position's sequence, the event it names. */
  private holds(at: Position): boolean {
    return at.event_id !== null && this.log.eventIdAt(at.sequence) === at.event_id;
  }

  /**
   * Empties the cache when the log no longer holds the event it was folded up to, or its
   * position cannot be read; unless another reader moved it meanwhile.
   */
  dropIfStale(): void {
    let at: Position | undefined | null;
    try {
      at = this.position();
    } catch {
      at = null;
    }
    if (at === undefined || at?.sequence === 0 || (at !== null && this.holds(at))) return;
    writeTransaction(this.ctx, "emptying the timeline cache", () => {
      let now: Position | undefined | null;
      try {
        now = this.position();
      } catch {
        now = null;
      }
      if (now?.sequence !== at?.sequence || now?.event_id !== at?.event_id) return;
      this.empty();
    });
  }

  private empty(): void {
    writeTransaction(this.ctx, "emptying the timeline cache", () => {
      clearTimelineState(this.ctx);
      this.ctx.stmt(CACHE_POSITION_PUT).run(this.log.label, 0, null);
    });
  }
}

/**
 * The timeline cache of one read of a SQLite log, opened when first needed. A cache that
 * cannot be opened or fails while it is caught up is dropped (`onDrop` is told why) and the
 * log read without it; only a damaged row met while the timelines stream from it fails the
 * read, after emptying the cache (TimelineCache.damaged).
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
      this.cache = TimelineCache.open(sqliteCachedLog(log), log.driver, this.dir);
    } catch (e) {
      if (!isEventLogError(e) && !isFileSystemError(e)) throw e;
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
