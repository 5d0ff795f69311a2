import type { ResolvedConfig } from "../config.ts";
import { emptyMirrorStats, type MirrorStats } from "../mirror/mirror.ts";
import type { RecordPlan } from "../mirror/plan-record.ts";
import type { LinkData } from "./worker-link.ts";

/**
 * The messages between the durable sink (on the runner's thread) and its writer (on a worker
 * thread, see durable-worker.ts). The sink only collects records and posts batches; the writer
 * owns the EventStore, commits each batch in one transaction, keeps failed ones for a retry,
 * and reports its counts and warnings back.
 */
export type WriterSettings = Pick<
  ResolvedConfig,
  | "db"
  | "jsonl"
  | "durability"
  | "busyTimeoutMs"
  | "mirrorQueueMax"
  | "mirrorBacklogMax"
  | "retryAfterMs"
>;

/**
 * One milestone for the writer: the legacy record itself, or, for the rare record that cannot
 * be passed to another thread (structured clone refuses it), its plan made on the sending side
 * and the text to quarantine it as.
 */
export type WriterItem = { record: unknown } | { plan: RecordPlan; raw: string; ts: string | null };

export type ToWriter =
  | { type: "batch"; items: WriterItem[] }
  | { type: "flush"; id: number }
  | { type: "close"; id: number };

export interface WriterStats {
  /** Milestones the writer has taken in (the sink's in-flight count is what it posted minus these). */
  received: number;
  /** Milestones a commit failed for, each counted once (a retry may store them later). */
  failed: number;
  error: string | null;
  /** Milestones kept after a failed commit, waiting for a retry. */
  backlog: number;
  /** Milestones given up on (backlog overflow, or still unstored at close): backfill them. */
  dropped: number;
  mirror: MirrorStats;
}

export type FromWriter =
  | { type: "ready" }
  | { type: "stats"; stats: WriterStats }
  | { type: "warn"; key: string; text: string }
  | { type: "done"; id: number; stats: WriterStats };

export function emptyWriterStats(): WriterStats {
  return {
    received: 0,
    failed: 0,
    error: null,
    backlog: 0,
    dropped: 0,
    mirror: emptyMirrorStats(),
  };
}

/** What the worker is started with (`workerData`): its settings and the link's channel. */
export interface WorkerData extends LinkData {
  settings: WriterSettings;
}
