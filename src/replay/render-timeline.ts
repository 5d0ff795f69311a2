import { truncateToWidth as fitLine } from "../text/display-width.ts";
import { type Cell, type FitColumn, fitTable } from "../text/fit-table.ts";
import type { TaskTimeline, Timelines } from "./timeline-state.ts";

/** Timelines in issue order, as plain JSON-ready objects. */
export function sortedTasks(t: Timelines): TaskTimeline[] {
  return [...t.tasks.values()].sort((a, b) => a.issue - b.issue);
}

/** How the table is laid out: fitted to a terminal width, PR links short and clickable. */
export interface RenderOptions {
  /** Fit every line in this many columns (drop and cut columns); undefined: no limit. */
  width?: number | undefined;
  /** Show a PR as `#201` (an OSC-8 link to its URL with `hyperlinks`) instead of its URL. */
  shortPrs?: boolean;
  hyperlinks?: boolean;
  /** How a halt's time is shown (default: as stored). */
  time?: (iso: string) => string;
}

type Column = FitColumn & { cell(task: TaskTimeline, o: RenderOptions): Cell };

// Dropped first when the terminal is narrow: the higher dropOrder.
const COLUMNS: Column[] = [
  { header: "ISSUE", cell: (t) => `#${t.issue}` },
  { header: "TICKS", cell: (t) => t.ticks.join(","), shrinkTo: 5, dropOrder: 3 },
  { header: "PLANNED", cell: (t) => (t.planned ? "yes" : "no"), dropOrder: 6 },
  { header: "DISPATCHED", cell: (t) => String(t.dispatches), dropOrder: 4 },
  { header: "PROGRESS", cell: (t) => String(t.progress), dropOrder: 5 },
  { header: "STATUS", cell: (t) => (t.status ? `${t.terminal}/${t.status}` : "-"), shrinkTo: 12 },
  { header: "CRITIC", cell: (t) => t.critic_verdicts.join(",") || "-", shrinkTo: 8, dropOrder: 1 },
  { header: "PR", cell: prCell, shrinkTo: 6 },
  { header: "REAPED", cell: (t) => (t.worktree_reaped ? "yes" : "no"), dropOrder: 7 },
  { header: "LAST SEQ", cell: (t) => String(t.last_sequence), dropOrder: 2 },
];

/** `#201` from `https://github.com/acme/forge-loop/pull/201`; the URL when it names no number. */
function prNumberOf(url: string): string | undefined {
  return /\/pull\/(\d+)\/?$/.exec(url)?.[1];
}

function prCell(t: TaskTimeline, o: RenderOptions): Cell {
  if (!t.pr_url) return "-";
  const state = t.pr_merged ? "merged" : t.merge_blocked ? "blocked" : "open";
  const n = o.shortPrs ? prNumberOf(t.pr_url) : undefined;
  if (n === undefined) return `${t.pr_url} (${state})`;
  const text = `#${n} (${state})`;
  return o.hyperlinks ? { text, link: t.pr_url } : text;
}

/**
 * An idle or all-skipped tick ends without a tick_start, so more completed than started ticks
 * are those; more started than completed are ticks still running (or cut off).
 */
function ticksLine(started: number, completed: number): string {
  const total = Math.max(started, completed);
  const noun = total === 1 ? "tick" : "ticks";
  if (completed > started) return `${total} ${noun} (${completed - started} idle)`;
  if (started > completed) return `${total} ${noun} (${started - completed} not completed)`;
  return `${total} ${noun}`;
}

/** A readable table of the task timelines (fitted to `width`), then the loop's halts. */
export function renderTimelines(t: Timelines, options: RenderOptions = {}): string {
  const rows = sortedTasks(t).map((task) => COLUMNS.map((c) => c.cell(task, options)));
  const fit = { width: options.width, hyperlinks: options.hyperlinks === true };
  const out = fitTable(COLUMNS, rows, fit);
  const l = t.loop;
  out.push("", `${ticksLine(l.ticks_started, l.ticks_completed)}; last event #${l.last_sequence}`);
  for (const h of l.halts) {
    out.push(
      `halt: ${h.reason}${h.tick === null ? "" : ` at tick ${h.tick}`} (event #${h.sequence}, ${options.time ? options.time(h.at) : h.at})`,
    );
  }
  const width = options.width;
  return (width === undefined ? out : out.map((line) => fitLine(line, width))).join("\n");
}
