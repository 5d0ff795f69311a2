import type { ResolvedConfig } from "../config.ts";
import { emptyMirrorStats, type MirrorStats } from "../mirror/mirror.ts";
import type { RecordPlan } from "../mirror/plan-record.ts";
import type { LinkData } from "./worker-link.ts";

/**
 * What passes between the durable sink (on the runner's thread) and its writer (on a worker
 * thread, see durable-worker.ts). Milestones go through a SharedRing (shared-ring.ts), one
 * frame each: the JSONL line's bytes as written (LINE), a run of lines the ring had no room
 * for, to be read back from the JSONL (GAP), or a record with no JSON form (UNENCODABLE).
 * Only flush/close and the writer's replies (its counts, at most every STATS_EVERY_MS, and its
 * warnings) go as messages. The writer owns the EventStore, commits what it took in one
 * transaction, keeps failed ones for a retry.
 */
export type WriterSettings = Pick<
  ResolvedConfig,
  | "db"
  | "jsonl"
  | "jsonlKeep"
  | "durability"
  | "busyTimeoutMs"
  | "mirrorFlushMs"
  | "mirrorQueueMax"
  | "mirrorBacklogMax"
  | "retryAfterMs"
>;

export const FRAME_LINE = 1;
export const FRAME_GAP = 2;
export const FRAME_UNENCODABLE = 3;

/** The writer's counts go to the runner's thread at most this often, not per milestone. */
export const STATS_EVERY_MS = 250;

/**
 * Lines written to the JSONL while the ring was full: the file (device, inode), the byte range
 * from the first one's start to the last one's end, and how many of ours it holds.
 */
export interface Gap {
  dev: number;
  ino: number;
  start: number;
  end: number;
  count: number;
}

/** A record with no JSON form: what it is quarantined as, and why. */
export interface Unencodable {
  raw: string;
  reason: string;
  ts: string | null;
}

/**
 * One milestone for the writer: the legacy record itself (parsed back from its line), or, for
 * a record that has no legacy line, a plan made for it and the text to quarantine it as.
 */
export type WriterItem = { record: unknown } | { plan: RecordPlan; raw: string; ts: string | null };

export type ToWriter = { type: "flush"; id: number } | { type: "close"; id: number };

export interface WriterStats {
  /** Milestones the writer has taken in (the sink's in-flight count is what it handed over minus these). */
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

/**
 * The writer's `received` and `backlog` counts, stored by it (Atomics) as they change, so that
 * the sink knows them exactly when the writer's thread dies between two stats reports.
 */
export const TALLY_RECEIVED = 0;
export const TALLY_BACKLOG = 1;

export function newTally(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/** What the worker is started with (`workerData`): its settings and the link's channel. */
export interface WorkerData extends LinkData {
  settings: WriterSettings;
  /** The SharedRing's buffer. */
  ring: SharedArrayBuffer;
  /** See TALLY_RECEIVED. */
  tally: Int32Array;
}

/** The sentence every durable warning ends with: what is unaffected, and the backfill. */
export function backfillAdvice(
  settings: Pick<WriterSettings, "jsonl" | "db">,
  lead = "backfill with",
): string {
  return `The runner and its JSONL are unaffected; ${lead}: forge-eventlog mirror ${settings.jsonl} --db ${settings.db}`;
}
