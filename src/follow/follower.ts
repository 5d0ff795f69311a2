import { resolve } from "node:path";
import { type ErrorCode, isEventLogError, PASSING_CODES } from "../errors.ts";
import { sleep, yieldUnlessAborted } from "../io/sleep.ts";
import { emptyMirrorStats, Mirror, type MirrorStats } from "../mirror/mirror.ts";
import { IdleCatchUp } from "../replay/idle-catch-up.ts";
import type { EventStore } from "../store/event-store.ts";
import {
  closeFile,
  digestOf,
  FINGERPRINT_MAX,
  holdsBytes,
  inodeAt,
  pathState,
  sameInode,
  sizeOf,
} from "./identity.ts";
import { LineMirror } from "./line-mirror.ts";
import { type LinePlan, tsOfLine } from "./line-plan.ts";
import { type Line, LineReader } from "./line-reader.ts";
import { GarbageBudget } from "./memory.ts";
import { PositionKeeper } from "./position-keeper.ts";
import { type LinePreparer, type Prepared, startPreparer } from "./preparer.ts";
import {
  closeReadingOrder,
  type LastRead,
  type ReadingOrder,
  readingOrderFrom,
  type Segment,
} from "./reading-order.ts";
import { END_OF_FILE, SIGNAL, type Stop } from "./stop.ts";
import { buildSummary, type FollowSummary, type LineCounts } from "./summary.ts";

export interface FollowOptions {
  store: EventStore;
  /** The legacy JSONL file (the runner's `docs/ops/loop-runner-events.jsonl`). */
  file: string;
  /** Keep tailing after the end of the file until `signal` aborts. */
  follow?: boolean;
  /** Stop at the first malformed line (after committing the lines before it). */
  strict?: boolean;
  /** Lines per transaction. */
  batchLines?: number;
  /** How often a follower looks for new lines, rotation and truncation at the end of the file. */
  pollMs?: number;
  /** The one way to stop it: every wait and every batch boundary checks it. */
  signal?: AbortSignal;
  /** Prepare lines on a worker thread while the main thread writes (default: true). */
  threads?: boolean;
  onProgress?: (progress: FollowProgress) => void;
  /** Rotation, truncation and other things an operator should hear about. */
  onNotice?: (message: string) => void;
}

export interface FollowProgress {
  reading: string;
  byteOffset: number;
  linesRead: number;
  eventsAppended: number;
}

export const DEFAULT_BATCH_LINES = 750;
const DEFAULT_POLL_MS = 100;
/** Batches read ahead: one being written while the next ones are being prepared. */
const PIPELINE_DEPTH = 3;
/**
 * Timeline events folded per poll that finds no new line (IdleCatchUp): about a tenth of a
 * second on the 2-core machine.
 */
const IDLE_FOLD_EVENTS = 20_000;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;
/** How many of a batch's last bytes are compared with the file before it is committed. */
const TAIL_CHECK_BYTES = 1024;

/** A segment being read, and its reader (which keeps the file's first bytes as it read them). */
interface Reading {
  segment: Segment;
  reader: LineReader;
  /** No batch read yet: the first one resets the preparer's ts clock to the saved position's. */
  fresh: boolean;
}

/** Lines read but not yet committed, and where the file position is after them. */
interface Batch {
  lines: Line[];
  endOffset: number;
  endLine: number;
  /** The batch's last bytes as read: the file must still hold them when it is committed. */
  tail: { offset: number; bytes: Buffer };
  plans: Promise<Prepared>;
}

/** A batch whose bytes the file no longer holds (rewritten while it waited): not committed. */
const GONE = "gone" as const;
type Gone = typeof GONE;
/** Thrown inside a batch's transaction to roll it back when the file no longer holds it. */
const BATCH_GONE = new Error("the file no longer holds the batch");

type LiveState = "live" | "moved" | "truncated";

/**
 * Mirrors a legacy JSONL file into the store: backfill from the saved position, then (with
 * `follow`) tail it. Each batch of lines is one transaction holding its events, quarantined
 * lines and the new position, so a kill at any instant resumes with nothing lost or doubled.
 */
class Follower {
  readonly source: string;
  private readonly store: EventStore;
  private readonly mirror: Mirror;
  private readonly lines: LineMirror;
  private readonly batchLines: number;
  private readonly pollMs: number;
  private readonly counts: LineCounts = {
    linesRead: 0,
    blankLines: 0,
    truncations: 0,
    rotations: 0,
  };
  private readonly positions: PositionKeeper;
  private order: ReadingOrder = { kind: "start", segments: [] };
  private current: Reading | undefined;
  private preparer: LinePreparer | undefined;
  private readonly garbage = new GarbageBudget();
  private readonly projection: IdleCatchUp;
  /** The mirror's counters, restored when a batch's transaction rolls back. */
  private readonly mirrored: MirrorStats = emptyMirrorStats();
  /** The code of the transient error a batch is being retried for, if it is. */
  private retrying: ErrorCode | undefined;

  constructor(private readonly options: FollowOptions) {
    this.source = resolve(options.file);
    this.store = options.store;
    this.positions = new PositionKeeper(options.store, this.source);
    this.mirror = new Mirror(options.store, this.mirrored);
    this.lines = new LineMirror(this.mirror, this.counts, options.strict === true);
    this.batchLines = Math.max(1, options.batchLines ?? DEFAULT_BATCH_LINES);
    this.pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
    this.projection = new IdleCatchUp(IDLE_FOLD_EVENTS, (m) => this.notice(m));
  }

  async run(): Promise<FollowSummary> {
    const started = performance.now();
    let stop: Stop;
    if (!this.store.readonly) this.store.tuneForBulkWrites();
    this.preparer = await startPreparer(
      this.options.store.keyFormat(),
      this.options.threads ?? true,
    );
    try {
      stop = await this.loop();
    } finally {
      closeReadingOrder(this.order);
      this.preparer.close();
    }
    return buildSummary(
      {
        source: this.source,
        database: this.store.path,
        stoppedBy: stop.by,
        threads: this.preparer.threaded ? 2 : 1,
        elapsedMs: performance.now() - started,
      },
      this.counts,
      this.mirror.stats(),
      this.positionNow(),
      stop.by === "strict" ? stop.at : undefined,
    );
  }

  /** The saved position, and the bytes of a torn line after it if that is all that is left. */
  private positionNow(): FollowSummary["position"] {
    const saved = this.positions.saved;
    const reader = this.current?.reader;
    const caughtUp = reader !== undefined && reader.byteOffset === (saved?.byteOffset ?? 0);
    return {
      reading: saved?.reading ?? this.current?.segment.file.path ?? this.source,
      byteOffset: saved?.byteOffset ?? 0,
      lineNumber: saved?.lineNumber ?? 0,
      pendingBytes: caughtUp ? reader.pendingBytes : 0,
    };
  }

  private async loop(): Promise<Stop> {
    this.reorder(this.positions.load());
    for (;;) {
      const stop = await this.readRotated();
      if (stop === GONE) {
        this.reorder(this.lastRead());
        continue;
      }
      if (stop) return stop;
      const live = this.order.segments.find((segment) => !segment.finished);
      if (live) {
        const outcome = await this.readLive(live);
        if (outcome === "truncated") {
          this.reorder(this.lastRead());
          continue;
        }
        if (outcome !== "moved") return outcome;
        // Renamed away or replaced: what this descriptor still holds is read before moving on.
        this.counts.rotations++;
        this.notice(
          `${this.source} was rotated or replaced: reading the old file to its end, then the new one from the start`,
        );
        const drainStop = await this.readToEnd(this.current as Reading);
        if (drainStop === GONE) {
          this.reorder(this.lastRead());
          continue;
        }
        if (drainStop) return drainStop;
      } else if (!this.options.follow) {
        return END_OF_FILE;
      }
      const waited = await this.waitForSource();
      if (waited) return waited;
      this.reorder(this.lastRead(), true);
    }
  }

  /**
   * Closes what was open and decides which files to read next, from where. `drained`: the
   * file read last was read to its end after a rotation that was already reported.
   */
  private reorder(last: LastRead | undefined, drained = false): void {
    closeReadingOrder(this.order);
    this.order = readingOrderFrom(this.source, last);
    if (drained) return;
    const at = `byte ${last?.byteOffset}`;
    switch (this.order.kind) {
      case "truncated":
        this.counts.truncations++;
        this.notice(
          `${this.source} was truncated (retention): reading it again from the start; lines already mirrored count as duplicates`,
        );
        break;
      case "rotated":
        this.counts.rotations++;
        this.notice(
          `${this.source} was rotated: finishing ${this.order.segments[0]?.file.path} from ${at}, then the newer file(s) from the start`,
        );
        break;
      case "replaced":
        this.counts.rotations++;
        this.notice(
          `${this.source} was replaced and the file read before is not among its rotated files: reading those (duplicates are skipped) and the new file from the start; lines the old file got after ${at} are not mirrored`,
        );
        break;
      default:
    }
  }

  /**
   * Waits while the source path names no regular file: nothing (a rotation in progress, no
   * runner yet: as tail -F), or for now a directory, a FIFO, a symlink loop. Said once per
   * wait, when it outlasts a poll (a rotation's moment without a file is not news).
   */
  private async waitForSource(): Promise<Stop | undefined> {
    let said = "";
    for (let polls = 0; ; polls++) {
      const state = pathState(this.source);
      if (state.kind === "file") break;
      if (!this.options.follow) return END_OF_FILE;
      const news =
        state.kind === "missing"
          ? `no file at ${this.source} yet: waiting for it to appear (Ctrl-C to stop)`
          : `${this.source} is ${state.what}, not a regular file: waiting for it to be the JSONL file again (Ctrl-C to stop)`;
      if (polls > 0 && news !== said) {
        this.notice(news);
        said = news;
      }
      if (!(await sleep(this.pollMs, this.options.signal))) return SIGNAL;
    }
    return this.options.signal?.aborted ? SIGNAL : undefined;
  }

  /** Reads the reading order's rotated files (those before the live one) to their end. */
  private async readRotated(): Promise<Stop | Gone | undefined> {
    for (const segment of this.order.segments) {
      if (!segment.finished) return undefined;
      const stop = await this.readToEnd(this.open(segment));
      if (stop) return stop;
    }
    return undefined;
  }

  /** Reads a file that will not grow any more, its torn last line included. */
  private async readToEnd(reading: Reading): Promise<Stop | Gone | undefined> {
    const queue: Batch[] = [];
    for (;;) {
      const batch = this.next(reading, queue);
      if (!batch) break;
      const stop = await this.commit(reading, batch);
      if (stop) return stop;
      if (await yieldUnlessAborted(this.options.signal)) return SIGNAL;
    }
    const tail = reading.reader.takeTail();
    return tail ? this.commit(reading, this.batchOf(reading, [tail])) : undefined;
  }

  /** Reads the live file until it moves or is truncated, ends (no follow), or a stop. */
  private async readLive(segment: Segment): Promise<Stop | Exclude<LiveState, "live">> {
    const reading = this.open(segment);
    const queue: Batch[] = [];
    for (;;) {
      const batch = this.next(reading, queue);
      if (batch) {
        // Truncated or rewritten under the reader (checked in the batch's transaction): what it
        // read may be new content at the old offset. Nothing is lost by dropping it: the file
        // is read again from its start.
        const stop = await this.commit(reading, batch);
        if (stop === GONE) return "truncated";
        if (stop) return stop;
        if (await yieldUnlessAborted(this.options.signal)) return SIGNAL;
        const state = this.liveState(reading);
        if (state === "truncated") return state;
        if (state === "live") continue;
        // Renamed away: the lines already read are the old file's, and they are kept.
        for (const rest of queue.splice(0)) {
          const stopped = await this.commit(reading, rest);
          if (stopped === GONE) return "truncated";
          if (stopped) return stopped;
        }
        return state;
      }
      const state = this.liveState(reading);
      if (state !== "live") return state;
      if (!this.options.follow) return END_OF_FILE;
      this.projection.step(this.store);
      if (!(await sleep(this.pollMs, this.options.signal))) return SIGNAL;
    }
  }

  /** Tops the read-ahead queue up (each batch goes to the preparer at once); takes the first. */
  private next(reading: Reading, queue: Batch[]): Batch | undefined {
    while (queue.length < PIPELINE_DEPTH) {
      const lines: Line[] = [];
      if (reading.reader.read(this.batchLines, lines) === 0) break;
      queue.push(this.batchOf(reading, lines));
    }
    return queue.shift();
  }

  private batchOf(reading: Reading, lines: Line[]): Batch {
    const texts = lines.map((line) => line.text);
    // Batches before this one are committed or dropped: the clock starts from what is saved.
    const startTs = reading.fresh ? (this.positions.saved?.lastTs ?? null) : undefined;
    reading.fresh = false;
    return {
      lines,
      endOffset: reading.reader.byteOffset,
      endLine: reading.reader.lineNumber,
      tail: reading.reader.lastBytes(TAIL_CHECK_BYTES),
      plans: (this.preparer as LinePreparer).prepare(texts, startTs),
    };
  }

  private open(segment: Segment): Reading {
    if (this.current && this.current.segment.file !== segment.file) {
      closeFile(this.current.segment.file);
    }
    this.current = {
      segment,
      reader: new LineReader(
        segment.file.fd,
        segment.byteOffset,
        segment.lineNumber,
        undefined,
        segment.prefix,
      ),
      fresh: true,
    };
    return this.current;
  }

  /** Whether the source path still names the file being read, holding what was read of it. */
  private liveState(reading: Reading): LiveState {
    if (!this.holdsUpTo(reading, reading.reader.byteOffset)) return "truncated";
    const now = inodeAt(this.source);
    return now && sameInode(now, reading.segment.file) ? "live" : "moved";
  }

  /** Whether the open file is still at least `byteOffset` long, with the first bytes read. */
  private holdsUpTo(reading: Reading, byteOffset: number): boolean {
    const file = reading.segment.file;
    return sizeOf(file) >= byteOffset && holdsBytes(file, 0, reading.reader.head);
  }

  /** Whether the file still holds the batch's bytes where they were read: its head and its end. */
  private holdsBatch(reading: Reading, batch: Batch): boolean {
    return (
      this.holdsUpTo(reading, batch.endOffset) &&
      holdsBytes(reading.segment.file, batch.tail.offset, batch.tail.bytes)
    );
  }

  /**
   * One transaction: the batch's events and quarantined lines, and the position after them.
   * A strict stop is returned: the lines before the bad one are committed, the position stops
   * at its start. While following, a database that is locked, full or failing is waited out:
   * the same batch is retried with backoff (nothing of a failed attempt was stored), and
   * a stop signal during the wait drops it.
   */
  private async commit(reading: Reading, batch: Batch): Promise<Stop | Gone | undefined> {
    const prepared = await batch.plans;
    for (let attempt = 0; ; attempt++) {
      const before = this.countsNow();
      try {
        const stop = this.commitOnce(reading, batch, prepared);
        if (this.retrying) {
          this.notice(`${this.store.path} takes writes again: going on`);
          this.retrying = undefined;
        }
        return stop;
      } catch (e) {
        this.restoreCounts(before);
        if (e === BATCH_GONE) return GONE;
        if (!this.options.follow || !isEventLogError(e) || !PASSING_CODES.has(e.code)) throw e;
        if (this.retrying !== e.code) {
          this.notice(
            `${e.message} (following: this batch is retried until it is stored; nothing is lost, the position stays at byte ${this.positions.saved?.byteOffset ?? 0})`,
          );
          this.retrying = e.code;
        }
        const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempt, 10));
        if (!(await sleep(wait, this.options.signal))) return SIGNAL;
      }
    }
  }

  private commitOnce(reading: Reading, batch: Batch, prepared: Prepared): Stop | undefined {
    const { lines } = batch;
    const { plans } = prepared;
    const path = reading.segment.file.path;
    let stop: Stop | undefined;
    let done = 0;
    this.mirror.transaction(() => {
      this.positions.checkUnmoved();
      for (; done < lines.length; done++) {
        stop = this.lines.apply(plans[done] as LinePlan, lines[done] as Line, path);
        if (stop) break;
      }
      if (done > 0) {
        const lastTs = stop ? this.tsBefore(done, batch, plans) : prepared.lastTs;
        this.savePosition(reading, batch, lines[done], lastTs);
      }
      // Last, just before COMMIT: a batch read before the file was rewritten in place (while
      // it waited for the write lock, say) is rolled back, never committed as the new file's.
      if (!this.holdsBatch(reading, batch)) throw BATCH_GONE;
    }, "mirroring a batch of legacy lines");
    this.counts.linesRead += done;
    this.garbage.spent(batch.endOffset - (lines[0]?.byteOffset ?? batch.endOffset));
    this.options.onProgress?.({
      reading: path,
      byteOffset: batch.endOffset,
      linesRead: this.counts.linesRead,
      eventsAppended: this.mirror.stats().appended,
    });
    return stop;
  }

  /** What a batch's transaction changes in memory, to undo when it rolls back. */
  private countsNow() {
    return {
      mirrored: { ...this.mirrored, skipped: { ...this.mirrored.skipped } },
      blankLines: this.counts.blankLines,
      position: this.positions.saved,
    };
  }

  private restoreCounts(before: ReturnType<Follower["countsNow"]>): void {
    Object.assign(this.mirrored, before.mirrored);
    this.counts.blankLines = before.blankLines;
    this.positions.rolledBack(before.position);
  }

  /** `next`: the first line not mirrored (a strict stop), else the end of the batch. */
  private savePosition(
    reading: Reading,
    batch: Batch,
    next: Line | undefined,
    lastTs: string | null,
  ): void {
    const byteOffset = next ? next.byteOffset : batch.endOffset;
    const lineNumber = next ? next.lineNumber - 1 : batch.endLine;
    this.positions.save({
      source: this.source,
      ...this.markAt(reading, byteOffset),
      lineNumber,
      reading: reading.segment.file.path,
      lastTs,
    });
  }

  /** The ts clock before the batch's line `index` (a strict stop saves the position there). */
  private tsBefore(index: number, batch: Batch, plans: LinePlan[]): string | null {
    for (let k = index - 1; k >= 0; k--) {
      const ts = tsOfLine((batch.lines[k] as Line).text, plans[k] as LinePlan);
      if (ts !== null) return ts;
    }
    return this.positions.saved?.lastTs ?? null;
  }

  /**
   * The file's identity at `byteOffset`: device, inode, and the fingerprint of its first bytes
   * up to there (at most 1 KiB) taken from the bytes the reader read, never read again.
   */
  private markAt(reading: Reading, byteOffset: number) {
    const file = reading.segment.file;
    const head = reading.reader.head;
    const length = Math.min(byteOffset, FINGERPRINT_MAX, head.length);
    return {
      dev: file.dev,
      ino: file.ino,
      fingerprint: digestOf(head.subarray(0, length)),
      fingerprintLength: length,
      byteOffset,
    };
  }

  /** The committed position in the file read last (read-ahead that was dropped does not count). */
  private lastRead(): LastRead | undefined {
    const r = this.current;
    const saved = this.positions.saved;
    if (!r) return saved;
    const at = saved && sameInode(saved, r.segment.file) ? saved : r.segment;
    return { ...this.markAt(r, at.byteOffset), lineNumber: at.lineNumber };
  }

  private notice(message: string): void {
    this.options.onNotice?.(message);
  }
}

/** Mirrors `options.file` into `options.store`; see Follower. */
export function followFile(options: FollowOptions): Promise<FollowSummary> {
  return new Follower(options).run();
}
