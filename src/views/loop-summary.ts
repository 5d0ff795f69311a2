import { FAILED_STATUSES } from "../legacy/vocabulary.ts";
import type { LoopTimeline, TaskTimeline } from "../replay/timeline-state.ts";
import type { IssueFacts, LoopFold } from "./loop-fold.ts";

/** The loop at a glance: what the report's cards, `metrics` and the timeline totals show. */
export interface LoopSummary {
  events: number;
  first_at: string | null;
  last_at: string | null;
  ticks: number;
  idle_ticks: number;
  issues: number;
  /** Issues by their last terminal status (`running` when none yet). */
  by_status: Record<string, number>;
  merged: number;
  /** Failed issues by status (timeout, no_pr, budget_exceeded, ...). */
  failed_by_reason: Record<string, number>;
  blocked: number;
  /** Merged / issues with a terminal status; null when none ended. */
  merge_rate: number | null;
  /** Seconds from first dispatch to the merge. */
  time_to_merge_s: { median: number | null; p90: number | null; values: number[] };
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  critic_verdicts: Record<string, number>;
  halts: number;
  quarantined: number;
}

/**
 * An idle or all-skipped tick ends without a tick_start, so more completed than started ticks
 * are those idle ones.
 */
export function tickCounts(loop: LoopTimeline): { ticks: number; idle: number } {
  return {
    ticks: Math.max(loop.ticks_started, loop.ticks_completed),
    idle: Math.max(0, loop.ticks_completed - loop.ticks_started),
  };
}

/** The status word an issue shows: its runner status, else `running`. */
export const statusOf = (t: TaskTimeline): string => t.status ?? "running";

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

/** Nearest-rank percentile of ascending `values`. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return values[rank - 1]!;
}

/** Seconds from an issue's first dispatch (else its first event) to its merge, if it merged. */
export function timeToMerge(t: TaskTimeline, f: IssueFacts | undefined): number | null {
  if (!f?.merged_at) return null;
  return Math.max(0, seconds(f.dispatched_at ?? t.first_at, f.merged_at));
}

function bump(into: Record<string, number>, key: string, by = 1): void {
  into[key] = (into[key] ?? 0) + by;
}

export function summarizeLoop(fold: LoopFold, quarantined: number): LoopSummary {
  const { ticks, idle } = tickCounts(fold.timelines.loop);
  const s: LoopSummary = {
    events: fold.events,
    first_at: fold.firstAt,
    last_at: fold.lastAt,
    ticks,
    idle_ticks: idle,
    issues: fold.timelines.tasks.size,
    by_status: {},
    merged: 0,
    failed_by_reason: {},
    blocked: 0,
    merge_rate: null,
    time_to_merge_s: { median: null, p90: null, values: [] },
    cost_usd: 0,
    input_tokens: 0,
    output_tokens: 0,
    critic_verdicts: {},
    halts: fold.timelines.loop.halts.length,
    quarantined,
  };
  let ended = 0;
  const merges: number[] = [];
  for (const t of fold.timelines.tasks.values()) {
    const f = fold.facts.get(t.issue);
    const status = statusOf(t);
    bump(s.by_status, status);
    if (t.terminal !== null) ended++;
    if (t.pr_merged) s.merged++;
    if (FAILED_STATUSES.has(status)) bump(s.failed_by_reason, status);
    if (t.merge_blocked) s.blocked++;
    for (const v of t.critic_verdicts) bump(s.critic_verdicts, v);
    const ttm = timeToMerge(t, f);
    if (ttm !== null) merges.push(ttm);
    if (f) {
      s.cost_usd += f.cost_usd;
      s.input_tokens += f.input_tokens;
      s.output_tokens += f.output_tokens;
    }
  }
  s.cost_usd = Math.round(s.cost_usd * 100) / 100;
  s.merge_rate = ended === 0 ? null : s.merged / ended;
  merges.sort((a, b) => a - b);
  s.time_to_merge_s = {
    median: percentile(merges, 50),
    p90: percentile(merges, 90),
    values: merges,
  };
  return s;
}

/** `512s`, `8m 32s`, `2h 5m`. */
export function formatSeconds(s: number | null): string {
  if (s === null) return "-";
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s`;
  return `${Math.floor(whole / 3600)}h ${Math.floor((whole % 3600) / 60)}m`;
}

const counts = (r: Record<string, number>): string =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ") || "none";

/** The summary as a few readable lines. */
export function renderSummary(s: LoopSummary): string[] {
  const rate = s.merge_rate === null ? "-" : `${Math.round(s.merge_rate * 100)}%`;
  return [
    `${s.ticks} ticks (${s.idle_ticks} idle), ${s.issues} issues, ${s.events} events`,
    `tasks: ${counts(s.by_status)}`,
    `merged ${s.merged} (${rate}); failed: ${counts(s.failed_by_reason)}; blocked ${s.blocked}`,
    `time to merge: median ${formatSeconds(s.time_to_merge_s.median)}, p90 ${formatSeconds(s.time_to_merge_s.p90)}`,
    `cost $${s.cost_usd.toFixed(2)}, tokens ${s.input_tokens} in / ${s.output_tokens} out`,
    `critic: ${counts(s.critic_verdicts)}; halts ${s.halts}; quarantined lines ${s.quarantined}`,
  ];
}
