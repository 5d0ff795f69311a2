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
  out.push(
    "",
    `ticks started ${l.ticks_started}, completed ${l.ticks_completed}; last event #${l.last_sequence}`,
  );
  for (const h of l.halts) {
    out.push(
      `halt: ${h.reason}${h.tick === null ? "" : ` at tick ${h.tick}`} (event #${h.sequence}, ${h.at})`,
    );
  }
  return out.join("\n");
}
