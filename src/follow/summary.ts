import type { MirrorStats } from "../mirror/mirror.ts";

export type StopReason = "end_of_file" | "signal" | "strict";

/** What one `mirror` run did. Counts are for this run only; the position is where it stopped. */
export interface FollowSummary {
  source: string;
  database: string;
  /** Complete lines consumed, blank and malformed ones included. */
  linesRead: number;
  blankLines: number;
  eventsAppended: number;
  /** Events whose idempotency key was already stored (re-read lines): nothing written. */
  duplicates: number;
  /** Events forge-loop's own mirror already stored: nothing written. */
  upstreamDuplicates: number;
  /** A stored key with a different payload: kept as it was, the refused event in `conflicts`. */
  conflicts: number;
  quarantined: number;
  /** Lines of kinds nobody maps, by kind. */
  skippedKinds: Record<string, number>;
  truncations: number;
  rotations: number;
  /** The file now being read, the next line's offset and number, and a torn line's bytes. */
  position: { reading: string; byteOffset: number; lineNumber: number; pendingBytes: number };
  stoppedBy: StopReason;
  /** 2 when a worker thread prepared the lines, 1 when the main thread did it all. */
  threads: number;
  /** Where `--strict` stopped: the malformed line, which is neither mirrored nor quarantined. */
  strictStop?: { file: string; lineNumber: number; byteOffset: number; reason: string } | undefined;
  elapsedMs: number;
}

export interface LineCounts {
  linesRead: number;
  blankLines: number;
  truncations: number;
  rotations: number;
}

export function buildSummary(
  base: {
    source: string;
    database: string;
    stoppedBy: StopReason;
    threads: number;
    elapsedMs: number;
  },
  counts: LineCounts,
  mirror: MirrorStats,
  position: FollowSummary["position"],
  strictStop?: FollowSummary["strictStop"],
): FollowSummary {
  return {
    strictStop,
    source: base.source,
    database: base.database,
    ...counts,
    eventsAppended: mirror.appended,
    duplicates: mirror.duplicates,
    upstreamDuplicates: mirror.upstreamDuplicates,
    conflicts: mirror.conflicts,
    quarantined: mirror.quarantined,
    skippedKinds: mirror.skipped,
    position,
    stoppedBy: base.stoppedBy,
    threads: base.threads,
    elapsedMs: base.elapsedMs,
  };
}
