import type { TaskTimeline, Timelines } from "./timeline-state.ts";

/** Timelines in issue order, as plain JSON-ready objects. */
export function sortedTasks(t: Timelines): TaskTimeline[] {
  return [...t.tasks.values()].sort((a, b) => a.issue - b.issue);
}

const COLUMNS: [string, (task: TaskTimeline) => string][] = [
  ["ISSUE", (t) => `#${t.issue}`],
  ["TICKS", (t) => t.ticks.join(",")],
  ["PLANNED", (t) => (t.planned ? "yes" : "no")],
  ["DISPATCHED", (t) => String(t.dispatches)],
  ["PROGRESS", (t) => String(t.progress)],
  ["STATUS", (t) => (t.status ? `${t.terminal}/${t.status}` : "-")],
  ["CRITIC", (t) => t.critic_verdicts.join(",") || "-"],
  ["PR", (t) => prCell(t)],
  ["REAPED", (t) => (t.worktree_reaped ? "yes" : "no")],
  ["LAST SEQ", (t) => String(t.last_sequence)],
];

function prCell(t: TaskTimeline): string {
  if (!t.pr_url) return "-";
  const state = t.pr_merged ? "merged" : t.merge_blocked ? "blocked" : "open";
  return `${t.pr_url} (${state})`;
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

/** A readable fixed-width table of the task timelines, then the loop's halts. */
export function renderTimelines(t: Timelines): string {
  const rows = sortedTasks(t).map((task) => COLUMNS.map(([, cell]) => cell(task)));
  const header = COLUMNS.map(([name]) => name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  const l = t.loop;
  out.push("", `${ticksLine(l.ticks_started, l.ticks_completed)}; last event #${l.last_sequence}`);
  for (const h of l.halts) {
    out.push(
      `halt: ${h.reason}${h.tick === null ? "" : ` at tick ${h.tick}`} (event #${h.sequence}, ${h.at})`,
    );
  }
  return out.join("\n");
}
