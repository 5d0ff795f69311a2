import type { TaskTimeline } from "../replay/timeline-state.ts";
import type { StoryStep } from "../views/issue-story.ts";
import type { IssueFacts, LoopFold, LoopMarker, TickSpan } from "../views/loop-fold.ts";
import { type LoopSummary, statusOf, summarizeLoop, timeToMerge } from "../views/loop-summary.ts";

/** The colors a bar can take, one per outcome. */
export const OUTCOMES = [
  "merged",
  "open",
  "blocked",
  "failed",
  "timeout",
  "budget_exceeded",
  "compensated",
  "running",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The bar color of an issue: its status, failures other than timeout and budget as `failed`. */
export function outcomeOf(t: TaskTimeline): Outcome {
  const status = statusOf(t);
  if (t.pr_merged || status === "merged") return "merged";
  if (t.merge_blocked && (status === "open" || status === "running")) return "blocked";
  if ((OUTCOMES as readonly string[]).includes(status)) return status as Outcome;
  return "failed";
}

export interface IssueRow {
  timeline: TaskTimeline;
  facts: IssueFacts | undefined;
  outcome: Outcome;
  status: string;
  start: string;
  end: string;
  time_to_merge_s: number | null;
  story: StoryStep[] | undefined;
}

export interface ReportLimits {
  /** Above this many issues the Gantt draws outcomes per hour instead of one lane per issue. */
  ganttLanes: number;
  /** The table lists at most this many issues (the latest). */
  tableRows: number;
  /** Above this many ticks the over-time chart counts per hour instead of per tick. */
  chartTicks: number;
}

export const DEFAULT_LIMITS: ReportLimits = { ganttLanes: 300, tableRows: 10_000, chartTicks: 200 };

export interface ReportModel {
  title: string;
  source: string;
  generated_at: string;
  summary: LoopSummary;
  rows: IssueRow[];
  /** Issues the table leaves out (only the latest tableRows are listed). */
  rows_omitted: number;
  ticks: TickSpan[];
  markers: LoopMarker[];
  first_at: string | null;
  last_at: string | null;
  limits: ReportLimits;
  /** Each issue's story is there only when the fold could keep them all. */
  stories: boolean;
}

export function buildReport(
  fold: LoopFold,
  options: { source: string; quarantined: number; now?: Date; limits?: Partial<ReportLimits> },
): ReportModel {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const last = fold.lastAt ?? "";
  const all = [...fold.timelines.tasks.values()];
  const listed = all
    .sort((a, b) => b.last_sequence - a.last_sequence)
    .slice(0, limits.tableRows)
    .sort((a, b) => a.issue - b.issue);
  const rows = listed.map((t): IssueRow => {
    const f = fold.facts.get(t.issue);
    return {
      timeline: t,
      facts: f,
      outcome: outcomeOf(t),
      status: statusOf(t),
      start: f?.dispatched_at ?? t.first_at,
      end: f?.terminal_at ?? (t.terminal === null ? last : t.last_at),
      time_to_merge_s: timeToMerge(t, f),
      story: fold.story(t.issue),
    };
  });
  return {
    title: "forge-eventlog report",
    source: options.source,
    generated_at: (options.now ?? new Date()).toISOString(),
    summary: summarizeLoop(fold, options.quarantined),
    rows,
    rows_omitted: all.length - rows.length,
    ticks: [...fold.ticks.values()].sort((a, b) => a.tick - b.tick),
    markers: fold.markers,
    first_at: fold.firstAt,
    last_at: fold.lastAt,
    limits,
    stories: fold.stories !== null,
  };
}
