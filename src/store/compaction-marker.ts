import type { StoreContext } from "./context.ts";

/** An inclusive range of sequences. */
export interface SequenceRange {
  from: number;
  to: number;
}

/**
 * The payload of the compaction.performed event forge-eventlog writes: what was removed
 * (counts by kind), the span of the removed sequences, the cursor bound it stayed under and
 * where the re-chaining started.
 */
export interface CompactionMarker {
  removed: Record<string, number>;
  removed_total: number;
  first_sequence: number;
  last_sequence: number;
  slowest_cursor: number;
  rechained_from: number;
}

const MARKERS =
  "SELECT sequence, payload_json FROM events WHERE kind = 'compaction.performed' ORDER BY sequence";

/**
 * The ranges compaction.performed events account for, each limited to sequences before its
 * marker. Ours names its span (first_sequence..last_sequence); a marker without one (written
 * by another tool's compaction) accounts for any sequence before it.
 */
export function compactionRanges(ctx: StoreContext): SequenceRange[] {
  const ranges: SequenceRange[] = [];
  for (const row of ctx.stmt(MARKERS).iterate<{ sequence: number; payload_json: string }>()) {
    const at = Number(row.sequence);
    let payload: Record<string, unknown> = {};
    try {
      payload = JSON.parse(row.payload_json);
    } catch {
      // verify reports the unreadable payload at its own sequence.
    }
    const first = payload.first_sequence;
    const last = payload.last_sequence;
    if (Number.isInteger(first) && Number.isInteger(last)) {
      ranges.push({ from: first as number, to: Math.min(last as number, at - 1) });
    } else {
      ranges.push({ from: 1, to: at - 1 });
    }
  }
  return ranges.sort((a, b) => a.from - b.from);
}

/** Whether every sequence of `gap` lies in some range. */
export function explainedBy(ranges: readonly SequenceRange[], gap: SequenceRange): boolean {
  let next = gap.from;
  for (const r of ranges) {
    if (r.from > next) break;
    if (r.to >= next) next = r.to + 1;
    if (next > gap.to) return true;
  }
  return next > gap.to;
}
