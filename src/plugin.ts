import "./runtime/require-supported.ts";
import { consola } from "consola";
import type { ResolvedConfig } from "./config.ts";
import { LegacyLineEncoder } from "./encoding/python-json.ts";
import { describeError } from "./errors.ts";
import { derivesEvents } from "./fmail/lifecycle.ts";
import type { LoopEventPublisherStats } from "./fmail/publisher.ts";
import { type Logger, WarnOnce } from "./io/warn-once.ts";
import { buildLegacyRecord } from "./legacy/build-record.ts";
import { recordShapeProblem } from "./legacy/shape.ts";
import type { AnyMilestone, RunnerHooks } from "./milestones.ts";
import type { MirrorStats } from "./mirror/mirror.ts";
import { DurableSink } from "./plugin/durable-sink.ts";
import { FmailSink } from "./plugin/fmail-sink.ts";
import { JsonlSink } from "./plugin/jsonl-sink.ts";

export interface PluginOptions {
  config: ResolvedConfig;
  /** Clock for `ts` stamps (tests and demos pin it). */
  now?: () => Date;
  /** Where the plugin's one-line warnings go (default: consola). */
  logger?: Logger;
}

export interface PluginStats {
  milestones: number;
  /** Milestones that were not records (not an object with a `kind`): written nowhere. */
  rejected: number;
  jsonlWritten: number;
  jsonlFailed: number;
  /**
   * Milestones a durable commit failed for, each counted once. Those failed by a passing
   * problem (a lock, a full disk) are retried and usually stored later; the others, and any
   * in `durableDropped`, are in the JSONL: backfill with `mirror`.
   */
  durableFailed: number;
  durableError: string | null;
  /** Milestones not yet stored: waiting for the next write-behind flush, in flight, or retried. */
  queued: number;
  /** Of `queued`, those kept after a failed commit, waiting for a retry. */
  durableBacklog: number;
  /** Milestones given up on (backlog overflow, unstored at close): backfill them from the JSONL. */
  durableDropped: number;
  /** Times the durable ring was full and lines were handed over as gaps of the JSONL. */
  durableGaps: number;
  mirror: MirrorStats | null;
  fmail: LoopEventPublisherStats;
  /** Which sinks run on a worker thread, where their waits cannot stall the runner. */
  offThread: { durable: boolean; fmail: boolean };
}

/**
 * forge-eventlog's runner plugin: each milestone becomes the legacy record, encoded once into
 * its JSONL line's bytes, which go to every sink in order: the legacy JSONL first (byte for
 * byte as the Python runner wrote it), then, when `mirror` is on, the durable log's ring
 * (write-behind), then, for the records that derive lifecycle events, fmail's. Nothing here
 * throws into the runner: each sink counts its failures and says each kind once.
 */
export class EventLogPlugin implements Required<Omit<RunnerHooks, "close">> {
  private readonly now: () => Date;
  private readonly warnings: WarnOnce;
  private readonly jsonl: JsonlSink;
  private readonly durable: DurableSink | null;
  private readonly fmail: FmailSink;
  private readonly encoder = new LegacyLineEncoder();
  private milestones = 0;
  private rejected = 0;

  private constructor(
    readonly config: ResolvedConfig,
    warnings: WarnOnce,
    durable: DurableSink | null,
    fmail: FmailSink,
    options: PluginOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.warnings = warnings;
    this.jsonl = new JsonlSink(config, this.warnings);
    this.durable = durable;
    this.fmail = fmail;
  }

  /** Starts the worker threads first: the durable writer's with `mirror` on, fmail's with events on. */
  static async create(options: PluginOptions): Promise<EventLogPlugin> {
    const warnings = new WarnOnce(options.logger ?? consola, "forge-eventlog: ");
    const durable = options.config.mirror
      ? await DurableSink.start(options.config, warnings)
      : null;
    const fmail = await FmailSink.start(options.config.events, {
      now: options.now ?? (() => new Date()),
      logger: options.logger ?? consola,
      cwd: options.config.baseDir,
      ringBytes: options.config.ringBytes,
      pollMs: options.config.mirrorFlushMs,
    });
    return new EventLogPlugin(options.config, warnings, durable, fmail, options);
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
    this.milestones++;
    const problem = recordShapeProblem(milestone);
    if (problem !== null) {
      this.rejected++;
      this.warnings.warn("milestone", `ignored a milestone: ${problem}`);
      return;
    }
    const record = buildLegacyRecord(milestone, this.now);
    let length: number;
    try {
      length = this.encoder.encode(record);
    } catch (e) {
      this.jsonl.failed(e);
      this.durable?.writeUnencodable(record, describeError(e));
      return;
    }
    const line = this.encoder.bytes.subarray(0, length);
    const place = this.jsonl.write(line, this.durable?.wantsPlace(length) ?? false);
    this.durable?.write(line, place);
    if (this.fmail.enabled && derivesEvents(record)) this.fmail.write(record, line);
  }

  /** Commits the durable queue now (waits, bounded, for the writer's thread). Never throws. */
  flush(): void {
    this.durable?.flush();
  }

  stats(): PluginStats {
    const durable = this.durable?.stats();
    return {
      milestones: this.milestones,
      rejected: this.rejected,
      ...this.jsonl.stats(),
      durableFailed: durable?.durableFailed ?? 0,
      durableError: durable?.durableError ?? null,
      queued: durable?.queued ?? 0,
      durableBacklog: durable?.durableBacklog ?? 0,
      durableDropped: durable?.durableDropped ?? 0,
      durableGaps: durable?.durableGaps ?? 0,
      mirror: durable?.mirror ?? null,
      fmail: this.fmail.stats(),
      offThread: { durable: this.durable?.threaded ?? false, fmail: this.fmail.threaded },
    };
  }

  /** Flushes the queue, then closes the files. */
  close(): void {
    this.durable?.close();
    this.jsonl.close();
    this.fmail.close();
  }
}

/** The module contract `loadRunnerPlugins` uses: every plugin module exports this. */
export async function createRunnerPlugin(options: PluginOptions): Promise<EventLogPlugin> {
  return EventLogPlugin.create(options);
}
