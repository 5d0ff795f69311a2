import type { ResolvedConfig } from "../config.ts";
import { describeError, type ErrorCode, isEventLogError } from "../errors.ts";
import type { WarnOnce } from "../io/warn-once.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import { emptyMirrorStats, Mirror, type MirrorStats } from "../mirror/mirror.ts";
import type { DriverModule } from "../store/driver.ts";
import { EventStore } from "../store/event-store.ts";
import type { Sink } from "./sink.ts";

export interface DurableSinkStats {
  /** Milestones that could not be mirrored (they are in the JSONL: backfill with `mirror`). */
  durableFailed: number;
  durableError: string | null;
  /** Milestones waiting for the next write-behind flush. */
  queued: number;
  mirror: MirrorStats;
}

/** Errors after which the connection is reopened (later) instead of reused. */
const STORE_BROKEN = new Set<ErrorCode>([
  "db_corrupt",
  "db_not_a_database",
  "db_io",
  "db_readonly",
  "db_cantopen",
]);

type DurableSettings = Pick<
  ResolvedConfig,
  | "db"
  | "jsonl"
  | "durability"
  | "busyTimeoutMs"
  | "mirrorFlushMs"
  | "mirrorQueueMax"
  | "retryAfterMs"
>;

/**
 * The durable event log, write-behind: records are queued and committed together every
 * `mirrorFlushMs` (at once when 0, or when `mirrorQueueMax` are waiting). A failed flush is
 * counted and said once, with the backfill command; a broken connection is reopened after
 * `retryAfterMs`. It never throws: the JSONL holds every record it could not store.
 */
export class DurableSink implements Sink<DurableSinkStats> {
  private store: EventStore | null = null;
  private mirror: Mirror | null = null;
  private retryAt = 0;
  private queue: AnyLegacyRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly mirrorCounts = emptyMirrorStats();
  private failed = 0;
  private lastError: string | null = null;

  constructor(
    private readonly settings: DurableSettings,
    private readonly driver: DriverModule,
    private readonly warnings: WarnOnce,
  ) {
    this.open();
  }

  write(record: AnyLegacyRecord): void {
    this.queue.push(record);
    if (this.settings.mirrorFlushMs === 0 || this.queue.length >= this.settings.mirrorQueueMax) {
      this.flush();
    } else {
      this.timer ??= setTimeout(this.flush, this.settings.mirrorFlushMs);
    }
  }

  /** Commits every queued record in one transaction. Never throws. */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const mirror = this.mirror ?? this.open();
    if (!mirror || !this.store) {
      this.failed += batch.length;
      return;
    }
    try {
      this.store.transaction(() => {
        for (const record of batch) mirror.mirrorRecord(record);
      }, `mirroring ${batch.length} milestones`);
    } catch (e) {
      this.failed += batch.length;
      this.failure(e);
      if (isEventLogError(e) && STORE_BROKEN.has(e.code)) this.drop();
    }
  };

  private open(): Mirror | null {
    if (Date.now() < this.retryAt) return null;
    try {
      this.store = EventStore.openWith(this.driver, this.settings.db, {
        synchronous: this.settings.durability,
        busyTimeoutMs: this.settings.busyTimeoutMs,
      });
      this.mirror = new Mirror(this.store, this.mirrorCounts);
      return this.mirror;
    } catch (e) {
      this.failure(e);
      this.retryAt = Date.now() + this.settings.retryAfterMs;
      return null;
    }
  }

  private drop(): void {
    this.store?.close();
    this.store = null;
    this.mirror = null;
    this.retryAt = Date.now() + this.settings.retryAfterMs;
  }

  private failure(e: unknown): void {
    const message = describeError(e);
    this.lastError = message;
    const code = isEventLogError(e) ? e.code : "unknown";
    this.warnings.warn(
      `durable:${code}`,
      `durable mirroring failed: ${message}. The runner and its JSONL are unaffected; once fixed, backfill with: forge-eventlog mirror ${this.settings.jsonl} --db ${this.settings.db}`,
    );
  }

  close(): void {
    this.flush();
    this.store?.close();
    this.store = null;
    this.mirror = null;
  }

  stats(): DurableSinkStats {
    return {
      durableFailed: this.failed,
      durableError: this.lastError,
      queued: this.queue.length,
      mirror: { ...this.mirrorCounts, skipped: { ...this.mirrorCounts.skipped } },
    };
  }
}
