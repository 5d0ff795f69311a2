import { consola } from "consola";
import type { ResolvedConfig } from "./config.ts";
import { describeError, type ErrorCode, isEventLogError } from "./errors.ts";
import { LoopEventPublisher, type LoopEventPublisherStats } from "./fmail/publisher.ts";
import { buildLegacyRecord } from "./legacy/build-record.ts";
import { LegacyJsonlWriter } from "./legacy/jsonl-writer.ts";
import type { AnyMilestone, RunnerHooks } from "./milestones.ts";
import { emptyMirrorStats, Mirror, type MirrorStats } from "./mirror/mirror.ts";
import type { DriverModule } from "./store/driver.ts";
import { EventStore } from "./store/event-store.ts";
import { loadDriver } from "./store/load-driver.ts";

export interface PluginOptions {
  config: ResolvedConfig;
  /** Clock for `ts` stamps (tests and demos pin it). */
  now?: () => Date;
  /** Where the plugin's one-line warnings go (default: consola). */
  logger?: { warn(message: string): void };
}

export interface PluginStats {
  milestones: number;
  jsonlWritten: number;
  jsonlFailed: number;
  /** Milestones that could not be mirrored (they are in the JSONL: backfill with `mirror`). */
  durableFailed: number;
  durableError: string | null;
  /** Milestones waiting for the next write-behind flush. */
  queued: number;
  mirror: MirrorStats | null;
  fmail: LoopEventPublisherStats;
}

/**
 * forge-eventlog's runner plugin. Each milestone is written to the legacy JSONL first, byte
 * for byte as the Python runner wrote it; then, when `mirror` is on, queued for the durable
 * log (committed in groups every `mirrorFlushMs`, or at once when that is 0); then derived
 * loop events go to fmail. Nothing here throws into the runner: a failure is
 * logged once per kind of failure, counted, and the JSONL stays complete.
 */
export class EventLogPlugin implements Required<Omit<RunnerHooks, "close">> {
  private readonly jsonl: LegacyJsonlWriter;
  private readonly publisher: LoopEventPublisher;
  private readonly now: () => Date;
  private readonly logger: { warn(message: string): void };
  private store: EventStore | null = null;
  private mirror: Mirror | null = null;
  private retryAt = 0;
  private queue: Record<string, unknown>[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly mirrorCounts = emptyMirrorStats();
  private readonly warned = new Set<string>();
  private readonly counts = {
    milestones: 0,
    jsonlWritten: 0,
    jsonlFailed: 0,
    durableFailed: 0,
    durableError: null as string | null,
  };

  private constructor(
    readonly config: ResolvedConfig,
    private readonly driver: DriverModule | null,
    options: PluginOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger ?? consola;
    this.jsonl = new LegacyJsonlWriter(config.jsonl);
    this.publisher = new LoopEventPublisher(config.events, {
      now: this.now,
      logger: this.logger,
      ...(config.events.root ? {} : { cwd: config.baseDir }),
    });
    if (config.mirror) this.openDurable();
  }

  static async create(options: PluginOptions): Promise<EventLogPlugin> {
    const driver = options.config.mirror ? await loadDriver() : null;
    return new EventLogPlugin(options.config, driver, options);
  }

  onStart = (m: AnyMilestone) => this.record(m);
  onTick = (m: AnyMilestone) => this.record(m);
  onWorker = (m: AnyMilestone) => this.record(m);
  onCritic = (m: AnyMilestone) => this.record(m);
  onPr = (m: AnyMilestone) => this.record(m);
  onWorktree = (m: AnyMilestone) => this.record(m);
  onHalt = (m: AnyMilestone) => this.record(m);
  onRecord = (m: AnyMilestone) => this.record(m);

  /** Writes one milestone everywhere it goes. Never throws. */
  record(milestone: AnyMilestone): void {
    this.counts.milestones++;
    let record: ReturnType<typeof buildLegacyRecord>;
    try {
      record = buildLegacyRecord(milestone, this.now);
    } catch (e) {
      this.warnOnce("milestone", `ignored a milestone that is not an object: ${describeError(e)}`);
      return;
    }
    try {
      this.jsonl.write(record);
      this.counts.jsonlWritten++;
    } catch (e) {
      this.counts.jsonlFailed++;
      this.warnOnce("jsonl", describeError(e));
    }
    if (this.config.mirror) this.mirrorRecord(record);
    this.publisher.observe(record);
  }

  private mirrorRecord(record: Record<string, unknown>): void {
    if (this.config.mirrorFlushMs === 0) {
      this.queue.push(record);
      this.flush();
      return;
    }
    this.queue.push(record);
    if (this.queue.length >= this.config.mirrorQueueMax) this.flush();
    else this.timer ??= setTimeout(this.flush, this.config.mirrorFlushMs);
  }

  /** Commits every queued milestone in one transaction. Never throws. */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const mirror = this.mirror ?? this.openDurable();
    if (!mirror || !this.store) {
      this.counts.durableFailed += batch.length;
      return;
    }
    try {
      this.store.transaction(() => {
        for (const record of batch) mirror.mirrorRecord(record);
      }, `mirroring ${batch.length} milestones`);
    } catch (e) {
      this.counts.durableFailed += batch.length;
      this.durableFailure(e);
      if (isEventLogError(e) && STORE_BROKEN.has(e.code)) this.dropDurable();
    }
  };

  private openDurable(): Mirror | null {
    if (!this.driver || Date.now() < this.retryAt) return null;
    try {
      this.store = EventStore.openWith(this.driver, this.config.db, {
        synchronous: this.config.durability,
        busyTimeoutMs: this.config.busyTimeoutMs,
      });
      this.mirror = new Mirror(this.store, this.mirrorCounts);
      return this.mirror;
    } catch (e) {
      this.durableFailure(e);
      this.retryAt = Date.now() + this.config.retryAfterMs;
      return null;
    }
  }

  private dropDurable(): void {
    this.store?.close();
    this.store = null;
    this.mirror = null;
    this.retryAt = Date.now() + this.config.retryAfterMs;
  }

  private durableFailure(e: unknown): void {
    const message = describeError(e);
    this.counts.durableError = message;
    const code = isEventLogError(e) ? e.code : "unknown";
    this.warnOnce(
      `durable:${code}`,
      `durable mirroring failed: ${message}. The runner and its JSONL are unaffected; once fixed, backfill with: forge-eventlog mirror ${this.config.jsonl} --db ${this.config.db}`,
    );
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    try {
      this.logger.warn(`forge-eventlog: ${message}`);
    } catch {
      // A broken logger must not break the runner either.
    }
  }

  stats(): PluginStats {
    return {
      ...this.counts,
      queued: this.queue.length,
      mirror: this.config.mirror
        ? { ...this.mirrorCounts, skipped: { ...this.mirrorCounts.skipped } }
        : null,
      fmail: this.publisher.stats(),
    };
  }

  /** Flushes the queue, then closes the files. */
  close(): void {
    this.flush();
    this.jsonl.close();
    this.store?.close();
    this.store = null;
    this.mirror = null;
  }
}

/** Errors after which the connection is reopened (later) instead of reused. */
const STORE_BROKEN = new Set<ErrorCode>([
  "db_corrupt",
  "db_not_a_database",
  "db_io",
  "db_readonly",
  "db_cantopen",
]);

/** The module contract `loadRunnerPlugins` uses: every plugin module exports this. */
export async function createRunnerPlugin(options: PluginOptions): Promise<EventLogPlugin> {
  return EventLogPlugin.create(options);
}
