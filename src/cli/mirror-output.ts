// What `mirror` shows: a progress bar while it catches up, and the summary of a run.
import type { FollowSummary } from "../follow/summary.ts";

const BAR_WIDTH = 24;
const REDRAW_MS = 100;
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** One self-overwriting status line on a terminal (stderr); redrawn at most every 100 ms. */
export class ProgressBar {
  private lastDraw = 0;
  private shown = false;
  private readonly started = performance.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** `done` of `total` bytes, and the lines mirrored so far. */
  update(done: number, total: number, lines: number): void {
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * BAR_WIDTH);
    const rate = lines / Math.max(0.001, (now - this.started) / 1000);
    const text = `mirroring [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}%  ${mib(done)} of ${mib(total)}  ${number.format(lines)} lines  ${number.format(rate)} lines/s`;
    const width = this.stream.columns ?? 80;
    this.stream.write(
      `\r${text.slice(0, Math.max(10, width - 1)).padEnd(Math.max(10, width - 1))}`,
    );
    this.shown = true;
  }

  /** Removes the line, so the next message starts on a clean line. */
  clear(): void {
    if (!this.shown) return;
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r${" ".repeat(Math.max(10, width - 1))}\r`);
    this.shown = false;
  }
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
    upstream_duplicates: s.upstreamDuplicates,
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
  if (s.upstreamDuplicates > 0) {
    rows.push([
      "upstream duplicates",
      `${s.upstreamDuplicates} (stored by forge-loop's own mirror)`,
    ]);
  }
  if (s.conflicts > 0) rows.push(["conflicts", `${s.conflicts} (forge-eventlog conflicts)`]);
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
