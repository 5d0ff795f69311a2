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
  /** A stored key with a different payload: kept as it was, counted. */
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
    conflicts: mirror.conflicts,
    quarantined: mirror.quarantined,
    skippedKinds: mirror.skipped,
    position,
    stoppedBy: base.stoppedBy,
    threads: base.threads,
    elapsedMs: base.elapsedMs,
  };
}

export const linesPerSecond = (s: FollowSummary): number =>
  s.elapsedMs > 0 ? Math.round((s.linesRead * 1000) / s.elapsedMs) : 0;

/** The `--json` record: snake_case like every other command's machine output. */
export function summaryRecord(s: FollowSummary): Record<string, unknown> {
  return {
    source: s.source,
    database: s.database,
    lines_read: s.linesRead,
    blank_lines: s.blankLines,
    events_appended: s.eventsAppended,
    duplicates: s.duplicates,
    conflicts: s.conflicts,
    quarantined: s.quarantined,
    skipped_kinds: s.skippedKinds,
    truncations: s.truncations,
    rotations: s.rotations,
    position: {
      reading: s.position.reading,
      byte_offset: s.position.byteOffset,
      line_number: s.position.lineNumber,
      pending_bytes: s.position.pendingBytes,
    },
    stopped_by: s.stoppedBy,
    strict_stop: s.strictStop
      ? {
          file: s.strictStop.file,
          line_number: s.strictStop.lineNumber,
          byte_offset: s.strictStop.byteOffset,
          reason: s.strictStop.reason,
        }
      : null,
    threads: s.threads,
    elapsed_ms: Math.round(s.elapsedMs),
    lines_per_second: linesPerSecond(s),
  };
}

/** The human summary: a few aligned lines for stderr. */
export function summaryLines(s: FollowSummary): string[] {
  const skipped = Object.entries(s.skippedKinds)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const rows: [string, string][] = [
    ["lines read", `${s.linesRead} (${s.blankLines} blank)`],
    ["events appended", String(s.eventsAppended)],
    ["duplicates", String(s.duplicates)],
    ["quarantined", String(s.quarantined)],
    ["skipped kinds", skipped || "none"],
  ];
  if (s.conflicts > 0) rows.push(["conflicts", String(s.conflicts)]);
  if (s.truncations + s.rotations > 0) {
    rows.push(["retention", `${s.truncations} truncation(s), ${s.rotations} rotation(s)`]);
  }
  const torn =
    s.position.pendingBytes > 0
      ? `, ${s.position.pendingBytes} bytes of an unfinished line waiting`
      : "";
  rows.push([
    "position",
    `${s.position.reading} byte ${s.position.byteOffset}, line ${s.position.lineNumber}${torn}`,
  ]);
  rows.push([
    "elapsed",
    `${(s.elapsedMs / 1000).toFixed(2)} s (${linesPerSecond(s)} lines/s, ${s.threads} thread${s.threads === 1 ? "" : "s"})`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}
