import type { ResolvedConfig } from "../config.ts";
import { legacyLine } from "../encoding/python-json.ts";
import { describeError } from "../errors.ts";
import type { WarnOnce } from "../io/warn-once.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import type { MirrorStats } from "../mirror/mirror.ts";
import { planRecord } from "../mirror/plan-record.ts";
import { loadDriver } from "../store/load-driver.ts";
import {
  emptyWriterStats,
  type FromWriter,
  type ToWriter,
  type WorkerData,
  type WriterItem,
  type WriterSettings,
  type WriterStats,
} from "./durable-protocol.ts";
import { DurableWriter } from "./durable-writer.ts";
import type { Sink } from "./sink.ts";
import { pluginWorkerUrl, ThreadLink } from "./worker-link.ts";

export interface DurableSinkStats {
  /** Milestones a commit failed for, each counted once (retried ones included). */
  durableFailed: number;
  durableError: string | null;
  /** Milestones not yet stored and not given up on: waiting here, in flight, or in the backlog. */
  queued: number;
  /** Of `queued`, those kept by the writer after a failed commit, waiting for a retry. */
  durableBacklog: number;
  /** Milestones given up on (backlog overflow, still unstored at close): backfill them. */
  durableDropped: number;
  mirror: MirrorStats;
}

type DurableSettings = WriterSettings & Pick<ResolvedConfig, "mirrorFlushMs">;

/** How the sink talks to its writer: a worker thread, or (without one) the writer inline. */
interface WriterLink {
  readonly threaded: boolean;
  post(message: ToWriter): void;
  /** Sends a flush/close and waits, synchronously, for its `done`; false when none came in time. */
  call(message: ToWriter & { id: number }, timeoutMs: number): boolean;
  end(): void;
}

/** Without a worker thread: the writer runs on the runner's thread, as before there was one. */
class InlineLink implements WriterLink {
  readonly threaded = false;
  private readonly writer: DurableWriter;

  constructor(
    settings: WriterSettings,
    driver: Awaited<ReturnType<typeof loadDriver>>,
    receive: (message: FromWriter) => void,
  ) {
    this.writer = new DurableWriter(settings, driver, receive);
  }

  post(message: ToWriter): void {
    this.writer.handle(message);
  }

  call(message: ToWriter & { id: number }): boolean {
    this.writer.handle(message);
    return true;
  }

  end(): void {}
}

function recordTs(record: AnyLegacyRecord): string | null {
  const ts = (record as { ts?: unknown }).ts;
  return typeof ts === "string" ? ts : null;
}

/** A record structured clone refuses: planned here, with the text it is quarantined as. */
function plannedHere(record: AnyLegacyRecord): WriterItem {
  let raw: string;
  try {
    raw = legacyLine(record as Record<string, unknown>);
  } catch {
    raw = `(a ${String((record as { kind?: unknown }).kind)} record with no JSON form)`;
  }
  let plan: ReturnType<typeof planRecord>;
  try {
    plan = planRecord(record);
  } catch (e) {
    plan = { status: "invalid", reason: describeError(e) };
  }
  return { plan, raw, ts: recordTs(record) };
}

/**
 * The durable event log, write-behind, off the runner's thread: the sink only collects records
 * and posts them as batches (every `mirrorFlushMs`, at once when 0, or when `mirrorQueueMax`
 * are waiting) to a worker thread whose DurableWriter commits each batch in one transaction,
 * retries failed ones with backoff from a bounded backlog (`mirrorBacklogMax`), and reopens a
 * database file deleted or replaced under it. `flush()` and `close()` are synchronous: they
 * wait (Atomics.wait, bounded) for the writer's reply. It never throws: the JSONL holds every
 * record it could not store.
 */
export class DurableSink implements Sink<DurableSinkStats> {
  private link: WriterLink | null = null;
  private queue: AnyLegacyRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private posted = 0;
  private latest: WriterStats = emptyWriterStats();
  /** Milestones lost on this side (the writer dead, or a batch that could not be posted). */
  private lostHere = 0;
  private lastError: string | null = null;
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly settings: DurableSettings,
    private readonly warnings: WarnOnce,
  ) {}

  static async start(settings: DurableSettings, warnings: WarnOnce): Promise<DurableSink> {
    const sink = new DurableSink(settings, warnings);
    const writerSettings: WriterSettings = {
      db: settings.db,
      jsonl: settings.jsonl,
      durability: settings.durability,
      busyTimeoutMs: settings.busyTimeoutMs,
      mirrorQueueMax: settings.mirrorQueueMax,
      mirrorBacklogMax: settings.mirrorBacklogMax,
      retryAfterMs: settings.retryAfterMs,
    };
    const thread = await ThreadLink.start<ToWriter, FromWriter>(
      pluginWorkerUrl("durable-worker"),
      { settings: writerSettings } satisfies Omit<WorkerData, "port" | "signal">,
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
      sink.link = new InlineLink(writerSettings, await loadDriver(), sink.receive);
    }
    return sink;
  }

  get threaded(): boolean {
    return this.link?.threaded ?? false;
  }

  write(record: AnyLegacyRecord): void {
    if (this.closed) return;
    this.queue.push(record);
    if (this.settings.mirrorFlushMs === 0 || this.queue.length >= this.settings.mirrorQueueMax) {
      this.post();
    } else if (this.timer === null) {
      this.timer = setTimeout(this.post, this.settings.mirrorFlushMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Hands the queue to the writer (no waiting). Never throws. */
  private readonly post = (): void => {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const link = this.link;
    if (!link) {
      this.lostHere += batch.length;
      return;
    }
    try {
      link.post({ type: "batch", items: batch.map((record) => ({ record })) });
    } catch {
      // Structured clone refused a record (a function or the like in a field): the others go
      // as they are, that one as a plan made here.
      try {
        link.post({ type: "batch", items: batch.map((r) => this.cloneable(r)) });
      } catch (e) {
        this.lostHere += batch.length;
        this.say(
          "durable:post",
          `could not hand milestones to the durable writer (${describeError(e)})`,
        );
        return;
      }
    }
    this.posted += batch.length;
  };

  private cloneable(record: AnyLegacyRecord): WriterItem {
    try {
      structuredClone(record);
      return { record };
    } catch {
      return plannedHere(record);
    }
  }

  /** Commits everything queued now, waiting (bounded) for the writer. Never throws. */
  flush(): void {
    this.post();
    this.call("flush");
  }

  close(): void {
    if (this.closed) return;
    this.post();
    this.call("close");
    this.closed = true;
    this.link?.end();
    this.link = null;
  }

  stats(): DurableSinkStats {
    const w = this.latest;
    const inFlight = this.link ? Math.max(0, this.posted - w.received) : 0;
    return {
      durableFailed: w.failed + this.lostHere,
      durableError: this.lastError ?? w.error,
      queued: this.queue.length + inFlight + w.backlog,
      durableBacklog: w.backlog,
      durableDropped: w.dropped,
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

  private call(type: "flush" | "close"): void {
    const link = this.link;
    if (!link) return;
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
    this.lostHere +=
      this.queue.length + Math.max(0, this.posted - this.latest.received) + this.latest.backlog;
    this.queue = [];
    this.latest = { ...this.latest, backlog: 0 };
    link.end();
    this.say("durable:worker", `the durable worker thread stopped (${why})`);
  };

  private say(key: string, problem: string): void {
    this.lastError = problem;
    this.warnings.warn(
      key,
      `durable mirroring failed: ${problem}. The runner and its JSONL are unaffected; backfill with: forge-eventlog mirror ${this.settings.jsonl} --db ${this.settings.db}`,
    );
  }
}
