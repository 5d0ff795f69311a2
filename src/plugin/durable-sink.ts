import type { ResolvedConfig } from "../config.ts";
import { describeError } from "../errors.ts";
import type { WarnOnce } from "../io/warn-once.ts";
import type { LinePlace } from "../legacy/jsonl-writer.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import type { MirrorStats } from "../mirror/mirror.ts";
import { loadDriver } from "../store/load-driver.ts";
import { DurableFeed } from "./durable-feed.ts";
import {
  backfillAdvice,
  emptyWriterStats,
  FRAME_GAP,
  FRAME_LINE,
  FRAME_UNENCODABLE,
  type FromWriter,
  type Gap,
  newTally,
  TALLY_BACKLOG,
  TALLY_RECEIVED,
  type ToWriter,
  type Unencodable,
  type WorkerData,
  type WriterSettings,
  type WriterStats,
} from "./durable-protocol.ts";
import { DurableWriter, unexpectedFailure } from "./durable-writer.ts";
import { SharedRing } from "./shared-ring.ts";
import type { Sink } from "./sink.ts";
import { pluginWorkerUrl, ThreadLink } from "./worker-link.ts";

export interface DurableSinkStats {
  /** Milestones a commit failed for, each counted once (retried ones included). */
  durableFailed: number;
  durableError: string | null;
  /** Milestones not yet stored and not given up on: in the ring, in flight, or in the backlog. */
  queued: number;
  /** Of `queued`, those kept by the writer after a failed commit, waiting for a retry. */
  durableBacklog: number;
  /** Milestones given up on (backlog overflow, still unstored at close): backfill them. */
  durableDropped: number;
  /** Times the ring was full and lines were handed over as a gap of the JSONL instead. */
  durableGaps: number;
  mirror: MirrorStats;
}

type DurableSettings = WriterSettings & Pick<ResolvedConfig, "ringBytes">;

/** Held behind a full ring: a gap, or an unencodable record's frame. */
type Pending = { gap: Gap } | { unencodable: Uint8Array };

const countOf = (pending: Pending[]) =>
  pending.reduce((n, p) => n + ("gap" in p ? p.gap.count : 1), 0);

/** How the sink talks to its writer: a worker thread, or (without one) the writer inline. */
interface WriterLink {
  readonly threaded: boolean;
  /** Sends a flush/close and waits, synchronously, for its `done`; false when none came in time. */
  call(message: ToWriter, timeoutMs: number): boolean;
  end(): void;
}

/** Without a worker thread: the writer and its feed run on the runner's thread. */
class InlineLink implements WriterLink {
  readonly threaded = false;
  private readonly writer: DurableWriter;
  private readonly feed: DurableFeed;

  constructor(
    settings: WriterSettings,
    ring: SharedRing,
    driver: Awaited<ReturnType<typeof loadDriver>>,
    receive: (message: FromWriter) => void,
    tally: Int32Array,
  ) {
    this.writer = new DurableWriter(settings, driver, receive, tally);
    this.feed = new DurableFeed(ring, settings, this.writer);
    void this.feed.run((e) => receive(unexpectedFailure(settings, e)));
  }

  call(message: ToWriter): boolean {
    this.feed.drain();
    this.writer.handle(message);
    return true;
  }

  end(): void {
    this.feed.stop();
  }
}

const utf8 = new TextEncoder();

function recordTs(record: AnyLegacyRecord): string | null {
  const ts = (record as { ts?: unknown }).ts;
  return typeof ts === "string" ? ts : null;
}

/**
 * The durable event log, write-behind, off the runner's thread. The hook copies the JSONL
 * line it just wrote into a shared ring (no postMessage, no waiting); the writer's thread
 * takes everything in it every `mirrorFlushMs` (at once when 0, when `mirrorQueueMax` are
 * waiting, or when half the ring's bytes are used) and its DurableWriter commits them in one
 * transaction, retries failed ones with backoff from a bounded backlog (`mirrorBacklogMax`),
 * and reopens a database file deleted or replaced under it. A full ring never blocks the hook:
 * it wakes the writer, and the lines written meanwhile are noted as a gap (file and byte
 * range), which the writer reads back from the JSONL once the gap's frame is in the ring (the
 * next write, flush, or a `mirrorFlushMs` timer puts it there). `flush()` and `close()` are synchronous: they wait (Atomics.wait, bounded) for the
 * writer's reply. It never throws: the JSONL holds every record it could not store.
 */
export class DurableSink implements Sink<DurableSinkStats> {
  private link: WriterLink | null = null;
  /** Milestones handed to the ring (gaps included, once their frame is in). */
  private handed = 0;
  /**
   * What the ring had no room for, oldest first, not yet handed to the writer: gaps (lines
   * written to the JSONL meanwhile) and the unencodable records between them.
   */
  private pending: Pending[] = [];
  /** Gaps opened so far (stats). */
  private gapsOpened = 0;
  /** Announces pending gaps when no write or flush comes to do it. */
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private latest: WriterStats = emptyWriterStats();
  /** Milestones lost on this side (the writer dead, a line the ring and the JSONL both missed). */
  private lostHere = 0;
  private lastError: string | null = null;
  private nextId = 0;
  private closed = false;
  /** Wake the writer at once when this many frames wait (mirrorFlushMs 0: every frame). */
  private readonly wakeAt: number;
  /** The writer's received and backlog counts, kept current by it (see DurableWriter). */
  private readonly tally = newTally();

  private constructor(
    private readonly settings: DurableSettings,
    private readonly warnings: WarnOnce,
    private readonly ring: SharedRing,
  ) {
    this.wakeAt = settings.mirrorFlushMs === 0 ? 1 : settings.mirrorQueueMax;
  }

  static async start(settings: DurableSettings, warnings: WarnOnce): Promise<DurableSink> {
    const ring = SharedRing.create(settings.ringBytes);
    const sink = new DurableSink(settings, warnings, ring);
    const writerSettings: WriterSettings = {
      db: settings.db,
      jsonl: settings.jsonl,
      jsonlKeep: settings.jsonlKeep,
      durability: settings.durability,
      busyTimeoutMs: settings.busyTimeoutMs,
      mirrorFlushMs: settings.mirrorFlushMs,
      mirrorQueueMax: settings.mirrorQueueMax,
      mirrorBacklogMax: settings.mirrorBacklogMax,
      retryAfterMs: settings.retryAfterMs,
    };
    const thread = await ThreadLink.start<ToWriter, FromWriter>(
      pluginWorkerUrl("durable-worker"),
      { settings: writerSettings, ring: ring.buffer, tally: sink.tally } satisfies Omit<
        WorkerData,
        "port" | "signal"
      >,
      sink.receive,
      sink.died,
    );
    if (typeof thread !== "string") {
      sink.link = thread;
    } else {
      warnings.warn(
        "durable:worker",
        `could not start the durable worker thread (${thread}); mirroring on the runner's thread instead`,
      );
      sink.link = new InlineLink(
        writerSettings,
        ring,
        await loadDriver(),
        sink.receive,
        sink.tally,
      );
    }
    return sink;
  }

  get threaded(): boolean {
    return this.link?.threaded ?? false;
  }

  /**
   * Whether the JSONL writer should note exactly where the next line of `length` bytes goes:
   * when it may not fit in the ring, so that it can be read back from the file.
   */
  wantsPlace(length: number): boolean {
    return this.pending.length > 0 || !this.ring.fits(length);
  }

  /**
   * Hands over the JSONL line just written (`place`: where, or null if it could not be
   * written). Never waits, never throws.
   */
  write(line: Uint8Array, place: LinePlace | null): void {
    if (this.closed) return;
    if (!this.link) {
      this.lostHere++;
      return;
    }
    if (this.announcePending()) {
      if (this.ring.push(FRAME_LINE, 0, line)) {
        this.handed++;
        if (this.ring.waiting() >= this.wakeAt || 2 * this.ring.used() >= this.ring.capacity)
          this.ring.wake();
        return;
      }
    }
    // The writer must make room now, not at its next mirrorFlushMs.
    this.ring.wake();
    this.addToGap(place);
  }

  /** A record with no legacy line: the writer quarantines it with `reason`. */
  writeUnencodable(record: AnyLegacyRecord, reason: string): void {
    if (this.closed) return;
    if (!this.link) {
      this.lostHere++;
      return;
    }
    const kind = (record as { kind?: unknown }).kind;
    const frame: Unencodable = {
      raw: `(a ${typeof kind === "string" ? kind : "record"} record with no JSON form)`,
      reason,
      ts: recordTs(record),
    };
    const bytes = utf8.encode(JSON.stringify(frame));
    if (this.announcePending() && this.ring.push(FRAME_UNENCODABLE, 0, bytes)) {
      this.handed++;
      return;
    }
    // Behind what is already waiting, in order.
    this.ring.wake();
    this.hold({ unencodable: bytes });
  }

  private addToGap(place: LinePlace | null): void {
    if (place === null) {
      // Neither in the ring nor in the JSONL: nothing can bring it back.
      this.lostHere++;
      return;
    }
    const last = this.pending[this.pending.length - 1];
    if (
      last &&
      "gap" in last &&
      last.gap.dev === place.dev &&
      last.gap.ino === place.ino &&
      place.start >= last.gap.end
    ) {
      last.gap.end = place.end;
      last.gap.count++;
    } else {
      this.gapsOpened++;
      this.hold({ gap: { ...place, count: 1 } });
    }
  }

  private hold(item: Pending): void {
    this.pending.push(item);
    if (this.gapTimer === null) this.announceIn();
  }

  /** An idle runner writes nothing that would announce what is held: a timer does. */
  private announceIn(): void {
    this.gapTimer = setTimeout(this.announceLater, this.settings.mirrorFlushMs);
    (this.gapTimer as { unref?: () => void }).unref?.();
  }

  private readonly announceLater = (): void => {
    this.gapTimer = null;
    if (!this.closed && this.link && !this.announcePending()) this.announceIn();
  };

  /** Puts what is pending in the ring, oldest first; true when all of it went. */
  private announcePending(): boolean {
    while (this.pending.length > 0) {
      const item = this.pending[0]!;
      if ("gap" in item) {
        if (!this.ring.push(FRAME_GAP, 0, utf8.encode(JSON.stringify(item.gap)))) return false;
        this.handed += item.gap.count;
      } else {
        if (!this.ring.push(FRAME_UNENCODABLE, 0, item.unencodable)) return false;
        this.handed++;
      }
      this.pending.shift();
      this.ring.wake();
    }
    if (this.gapTimer !== null) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    return true;
  }

  /** Commits everything handed over now, waiting (bounded) for the writer. Never throws. */
  flush(): void {
    this.call("flush");
  }

  close(): void {
    if (this.closed) return;
    this.call("close");
    this.closed = true;
    if (this.gapTimer !== null) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    const left = countOf(this.pending);
    if (left > 0 && this.link) {
      this.lostHere += left;
      this.pending = [];
      this.say(
        "durable:unstored",
        `${left} milestones the hand-over ring had no room for could not be handed to the writer before close`,
      );
    }
    this.link?.end();
    this.link = null;
  }

  stats(): DurableSinkStats {
    const w = this.latest;
    const inFlight = this.link ? Math.max(0, this.handed - w.received) + countOf(this.pending) : 0;
    return {
      durableFailed: w.failed + this.lostHere,
      durableError: this.lastError ?? w.error,
      queued: inFlight + w.backlog,
      durableBacklog: w.backlog,
      durableDropped: w.dropped,
      durableGaps: this.gapsOpened,
      mirror: { ...w.mirror, skipped: { ...w.mirror.skipped } },
    };
  }

  /**
   * How long flush()/close() wait for the writer: it may be in one busy wait on another
   * process's lock, then make the flush's own attempt; plus time for the commits themselves.
   */
  private get waitMs(): number {
    return 2 * this.settings.busyTimeoutMs + 5000;
  }

  /**
   * Sends flush/close and waits for the reply; what the ring had no room for is announced
   * first, a flush at a time while each one makes room for more.
   */
  private call(type: "flush" | "close"): void {
    const link = this.link;
    if (!link) return;
    while (!this.announcePending()) {
      const left = countOf(this.pending);
      this.callOnce(link, "flush");
      if (!this.announcePending() && countOf(this.pending) === left) break; // no room made
    }
    this.callOnce(link, type);
  }

  private callOnce(link: WriterLink, type: "flush" | "close"): void {
    const id = ++this.nextId;
    let answered = false;
    try {
      answered = link.call({ type, id }, this.waitMs);
    } catch (e) {
      this.say("durable:post", `could not reach the durable writer (${describeError(e)})`);
      return;
    }
    if (!answered) {
      this.say(
        "durable:timeout",
        `the durable writer did not answer ${type} within ${this.waitMs} ms; ${this.stats().queued} milestones may not be stored in ${this.settings.db}`,
      );
    }
  }

  private readonly receive = (message: FromWriter): void => {
    if (message.type === "stats" || message.type === "done") {
      this.latest = message.stats;
    } else if (message.type === "warn") {
      this.warnings.warn(message.key, message.text);
    }
  };

  private readonly died = (why: string): void => {
    if (this.closed || !this.link) return;
    const link = this.link;
    this.link = null;
    // The writer's own counts as it left them, not its last (up to STATS_EVERY_MS old) report.
    const received = Atomics.load(this.tally, TALLY_RECEIVED);
    const backlog = Atomics.load(this.tally, TALLY_BACKLOG);
    this.lostHere += Math.max(0, this.handed - received) + countOf(this.pending) + backlog;
    this.pending = [];
    this.latest = { ...this.latest, received, backlog: 0 };
    link.end();
    this.say("durable:worker", `the durable worker thread stopped (${why})`);
  };

  private say(key: string, problem: string): void {
    this.lastError = problem;
    this.warnings.warn(
      key,
      `durable mirroring failed: ${problem}. ${backfillAdvice(this.settings)}`,
    );
  }
}
