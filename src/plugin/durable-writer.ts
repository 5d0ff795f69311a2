import { statSync, unlinkSync } from "node:fs";
import { describeError, type ErrorCode, isEventLogError, PASSING_CODES } from "../errors.ts";
import { emptyMirrorStats, Mirror, type MirrorStats } from "../mirror/mirror.ts";
import { IdleCatchUp } from "../replay/idle-catch-up.ts";
import type { DriverModule } from "../store/driver.ts";
import { EventStore } from "../store/event-store.ts";
import {
  backfillAdvice,
  type FromWriter,
  STATS_EVERY_MS,
  TALLY_BACKLOG,
  TALLY_RECEIVED,
  type ToWriter,
  type WriterItem,
  type WriterSettings,
  type WriterStats,
} from "./durable-protocol.ts";

/** Errors after which the connection is closed and opened again (at the retry). */
const STORE_BROKEN = new Set<ErrorCode>([
  "db_corrupt",
  "db_not_a_database",
  "db_io",
  "db_readonly",
  "db_cantopen",
]);

/** The first retry waits this long; each next one twice as long, up to `retryAfterMs`. */
export const FIRST_RETRY_MS = 50;

interface Held {
  item: WriterItem;
  /** Whether a commit already failed for it (counted in `failed` once). */
  failed: boolean;
}

/** The ts range of the milestones given up on, for the backfill message. */
interface Range {
  first: string | null;
  last: string | null;
}

/**
 * Timeline events folded per idle drain (IdleCatchUp): a few milliseconds, so milestones that
 * arrive meanwhile wait in the ring little longer than a flush interval.
 */
const IDLE_FOLD_EVENTS = 2_000;

function tsOf(item: WriterItem): string | null {
  if ("record" in item) {
    const ts = (item.record as { ts?: unknown } | null)?.ts;
    return typeof ts === "string" ? ts : null;
  }
  return item.ts;
}

type FileId = { dev: bigint; ino: bigint };

function identity(path: string): FileId | null {
  try {
    const s = statSync(path, { bigint: true });
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

const same = (a: FileId | null, b: FileId | null) =>
  a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;

/** The WAL and shared-memory files beside a database. */
const SIDE_FILES = ["-wal", "-shm"] as const;

function copyStats(m: MirrorStats): MirrorStats {
  return { ...m, skipped: { ...m.skipped } };
}

/** The warning for a failure nothing else caught (a bug, most likely): said with the fix. */
export function unexpectedFailure(
  settings: Pick<WriterSettings, "jsonl" | "db">,
  e: unknown,
): FromWriter {
  return {
    type: "warn",
    key: "durable:unknown",
    text: `durable mirroring failed: ${describeError(e)}. ${backfillAdvice(settings, "once fixed, backfill with")}`,
  };
}

/**
 * The durable half of the plugin, run on a worker thread (durable-worker.ts): owns the
 * EventStore and the Mirror, commits each batch in one transaction, keeps a failed batch in a
 * bounded backlog and retries it with backoff, and notices when the database file it has open
 * is no longer the one at its path. Everything it has to say goes out through `send`.
 */
export class DurableWriter {
  private store: EventStore | null = null;
  private mirror: Mirror | null = null;
  private opened: FileId | null = null;
  /** The -wal and -shm files of the open database, as last seen. */
  private sideFiles: (FileId | null)[] = [];
  /** After a failure an operator must fix, no reopening before this time. */
  private openAfter = 0;
  private backlog: Held[] = [];
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly counts = emptyMirrorStats();
  private received = 0;
  private failed = 0;
  private dropped = 0;
  private lastError: string | null = null;
  private readonly droppedRange: Range = { first: null, last: null };
  private closed = false;
  private statsTimer: ReturnType<typeof setTimeout> | null = null;
  private statsSentAt = Number.NEGATIVE_INFINITY;
  private readonly projection = new IdleCatchUp(IDLE_FOLD_EVENTS, (text) =>
    this.send({ type: "warn", key: "durable:timeline", text }),
  );

  constructor(
    private readonly settings: WriterSettings,
    private readonly driver: DriverModule,
    private readonly send: (message: FromWriter) => void,
    private readonly tally: Int32Array | null = null,
  ) {
    this.ensureStore();
  }

  /**
   * Takes milestones from the ring and commits them (unless a retry is pending). `ours` is how
   * many of the runner's milestones they are (a gap read back from the JSONL may hold other
   * appenders' lines too).
   */
  accept(items: WriterItem[], ours = items.length): void {
    this.received += ours;
    try {
      if (this.closed) {
        this.giveUp(
          items.map((item) => ({ item, failed: false })),
          "it arrived after close",
        );
      } else {
        this.take(items);
        if (this.retryTimer === null) this.commit();
      }
    } finally {
      this.publishStats();
    }
  }

  /** Milestones handed over that cannot be read back (a gap's lines gone from the JSONL). */
  lost(count: number, reason: string): void {
    this.received += count;
    this.dropped += count;
    this.warnUnstored("durable:unstored", reason);
    this.publishStats();
  }

  /**
   * With nothing to commit and no retry pending: one step of keeping the timeline projection
   * up to date (on this thread, so the runner never waits for it).
   */
  idle(): void {
    if (this.closed || this.retryTimer !== null || this.backlog.length > 0 || !this.store) return;
    // A file deleted or replaced under the writer gets no write: the next commit notices it.
    if (!same(identity(this.settings.db), this.opened)) return;
    this.projection.step(this.store);
  }

  handle(message: ToWriter): void {
    try {
      if (!this.closed) {
        this.cancelRetry();
        this.commit();
        if (message.type === "close") this.close();
      }
    } finally {
      this.send({ type: "done", id: message.id, stats: this.stats() });
    }
  }

  /** Sends the counts now if the last went STATS_EVERY_MS ago, else once that time is up. */
  private publishStats(): void {
    this.noteTally();
    if (this.statsTimer !== null) return;
    const wait = this.statsSentAt + STATS_EVERY_MS - performance.now();
    const send = () => {
      this.statsTimer = null;
      this.statsSentAt = performance.now();
      this.send({ type: "stats", stats: this.stats() });
    };
    if (wait <= 0) {
      send();
      return;
    }
    this.statsTimer = setTimeout(send, wait);
    (this.statsTimer as { unref?: () => void }).unref?.();
  }

  private noteTally(): void {
    if (!this.tally) return;
    Atomics.store(this.tally, TALLY_RECEIVED, this.received);
    Atomics.store(this.tally, TALLY_BACKLOG, this.backlog.length);
  }

  stats(): WriterStats {
    this.noteTally();
    return {
      received: this.received,
      failed: this.failed,
      error: this.lastError,
      backlog: this.backlog.length,
      dropped: this.dropped,
      mirror: copyStats(this.counts),
    };
  }

  /** Adds to the backlog; past `mirrorBacklogMax` the oldest are dropped, counted and said. */
  private take(items: WriterItem[]): void {
    for (const item of items) this.backlog.push({ item, failed: false });
    const over = this.backlog.length - this.settings.mirrorBacklogMax;
    if (over <= 0) return;
    const lost = this.backlog.splice(0, over);
    this.count(lost);
    this.warnUnstored(
      "durable:dropped",
      `the retry backlog passed mirrorBacklogMax (${this.settings.mirrorBacklogMax}) and its oldest milestones were dropped`,
    );
  }

  /** Commits the backlog, `mirrorQueueMax` at a time, until it is empty or a commit fails. */
  private commit(): void {
    while (this.backlog.length > 0) {
      const store = this.ensureStore();
      if (!store || !this.mirror) return;
      const mirror = this.mirror;
      const chunk = this.backlog.slice(0, this.settings.mirrorQueueMax);
      const before = copyStats(this.counts);
      try {
        store.transaction(() => {
          for (const { item } of chunk) {
            if ("record" in item) mirror.mirrorRecord(item.record);
            else mirror.applyPlan(item.plan, null, { source: "plugin", raw: item.raw });
          }
        }, `mirroring ${chunk.length} milestones`);
      } catch (e) {
        // Nothing of the chunk was stored: its counts go back to what they were.
        Object.assign(this.counts, before);
        this.failure(e);
        for (const held of chunk) {
          if (held.failed) continue;
          held.failed = true;
          this.failed++;
        }
        const code = isEventLogError(e) ? e.code : null;
        if (code !== null && STORE_BROKEN.has(code)) this.closeStore();
        if (code !== null && PASSING_CODES.has(code)) {
          this.scheduleRetry();
          return;
        }
        // Needs an operator: said with the backfill command, not retried.
        this.backlog.splice(0, chunk.length);
        if (code !== null && STORE_BROKEN.has(code)) {
          this.openAfter = Date.now() + this.settings.retryAfterMs;
        }
        continue;
      }
      this.backlog.splice(0, chunk.length);
      this.attempt = 0;
      this.noteSideFiles();
    }
  }

  private noteSideFiles(): void {
    this.sideFiles = SIDE_FILES.map((suffix) => identity(`${this.settings.db}${suffix}`));
  }

  /**
   * Closes the connection to a file no longer at its path. SQLite then leaves that file's -wal
   * and -shm at the path, where the next file there would take them for its own (and be
   * corrupted by the old file's pages): those that are still the ones it had open are removed.
   */
  private leaveReplaced(): void {
    const ours = this.sideFiles;
    this.closeStore();
    SIDE_FILES.forEach((suffix, i) => {
      const path = `${this.settings.db}${suffix}`;
      if (!same(identity(path), ours[i] ?? null)) return;
      try {
        unlinkSync(path);
      } catch {
        // Gone already, or not ours to remove: SQLite's open decides from here.
      }
    });
  }

  /**
   * The open store, after checking that the path still names the file it has open: a file
   * deleted or replaced under it is left without another write, said once, and the path
   * opened again (created anew when missing).
   */
  private ensureStore(): EventStore | null {
    if (this.store && this.opened) {
      const now = identity(this.settings.db);
      if (!same(now, this.opened)) {
        this.leaveReplaced();
        const what = now ? "replaced by another file" : "deleted";
        this.send({
          type: "warn",
          key: "durable:replaced",
          text: `database ${this.settings.db} was ${what} while the plugin had it open; it stopped writing to the old file and now writes to ${now ? "the file at that path" : "a new file at that path"}. Milestones stored in the old file are not in it: backfill them with: forge-eventlog mirror ${this.settings.jsonl} --db ${this.settings.db}`,
        });
      }
    }
    if (this.store) return this.store;
    if (Date.now() < this.openAfter) {
      // A failure an operator must fix: these milestones are counted and left for a backfill.
      const lost = this.backlog.splice(0);
      for (const held of lost) if (!held.failed) this.failed++;
      return null;
    }
    try {
      this.store = EventStore.openWith(this.driver, this.settings.db, {
        synchronous: this.settings.durability,
        busyTimeoutMs: this.settings.busyTimeoutMs,
      });
      this.opened = identity(this.settings.db);
      this.noteSideFiles();
      this.mirror = new Mirror(this.store, this.counts);
      return this.store;
    } catch (e) {
      this.failure(e);
      const code = isEventLogError(e) ? e.code : null;
      if (code !== null && PASSING_CODES.has(code)) {
        for (const held of this.backlog) {
          if (held.failed) continue;
          held.failed = true;
          this.failed++;
        }
        this.scheduleRetry();
        return null;
      }
      this.openAfter = Date.now() + this.settings.retryAfterMs;
      const lost = this.backlog.splice(0);
      for (const held of lost) if (!held.failed) this.failed++;
      return null;
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.attempt, this.settings.retryAfterMs);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.commit();
      this.publishStats();
    }, delay);
    // Never what keeps a process alive (inline, this runs on the runner's thread).
    (this.retryTimer as { unref?: () => void }).unref?.();
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private closeStore(): void {
    try {
      this.store?.close();
    } catch {
      // Closing a connection to a broken file may fail too; it is given up either way.
    }
    this.store = null;
    this.mirror = null;
    this.opened = null;
    this.sideFiles = [];
  }

  /** The last attempt was made: what is still in the backlog is given up on and said. */
  private close(): void {
    this.closed = true;
    this.cancelRetry();
    if (this.statsTimer !== null) clearTimeout(this.statsTimer);
    this.statsTimer = null;
    if (this.backlog.length > 0)
      this.giveUp(this.backlog.splice(0), "they were still unstored at close");
    else if (this.dropped > 0)
      this.warnUnstored("durable:unstored", "they were dropped from the retry backlog");
    this.closeStore();
  }

  private giveUp(held: Held[], reason: string): void {
    this.count(held);
    this.warnUnstored("durable:unstored", reason);
  }

  private count(lost: Held[]): void {
    for (const held of lost) {
      this.dropped++;
      const ts = tsOf(held.item);
      if (ts === null) continue;
      this.droppedRange.first ??= ts;
      this.droppedRange.last = ts;
    }
  }

  private warnUnstored(key: string, reason: string): void {
    const { first, last } = this.droppedRange;
    const range = first === null ? "" : `, ts ${first} .. ${last}`;
    this.send({
      type: "warn",
      key,
      text: `${this.dropped} milestones were not stored in ${this.settings.db} (${reason}${range}). They are in the JSONL; backfill them with: forge-eventlog mirror ${this.settings.jsonl} --db ${this.settings.db}`,
    });
  }

  private failure(e: unknown): void {
    const message = describeError(e);
    this.lastError = message;
    const code = isEventLogError(e) ? e.code : "unknown";
    const kept = PASSING_CODES.has(code as ErrorCode)
      ? `the plugin keeps the milestones (up to mirrorBacklogMax, ${this.settings.mirrorBacklogMax}) and retries; if it gives up it names the range to backfill with`
      : "once fixed, backfill with";
    this.send({
      type: "warn",
      key: `durable:${code}`,
      text: `durable mirroring failed: ${message}. ${backfillAdvice(this.settings, kept)}`,
    });
  }
}
