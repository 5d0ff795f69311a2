import { formatSeconds } from "../views/loop-summary.ts";
import { esc } from "./escape.ts";
import { type IssueRow, OUTCOMES, type Outcome, type ReportModel } from "./model.ts";

const LANE = 18;
const LEFT = 64;
const WIDTH = 960;

const ms = (at: string): number => Date.parse(at);

/** The time axis: occurred_at → x. */
function axis(m: ReportModel): (at: string) => number {
  const t0 = m.first_at ? ms(m.first_at) : 0;
  const span = Math.max(1, (m.last_at ? ms(m.last_at) : t0) - t0);
  return (at) => LEFT + ((ms(at) - t0) / span) * (WIDTH - LEFT - 8);
}

function hover(r: IssueRow): string {
  const t = r.timeline;
  const f = r.facts;
  const sev = Object.entries(f?.severities ?? {})
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return [
    `#${t.issue} ${f?.title ?? ""}`.trim(),
    `outcome: ${r.outcome} (${r.status})`,
    t.pr_url ? `PR: ${t.pr_url}` : "no PR",
    `critic: ${t.critic_verdicts.join(", ") || "none"}${sev ? ` (${sev})` : ""}`,
    `duration: ${formatSeconds((ms(r.end) - ms(r.start)) / 1000)}`,
    `cost: $${(f?.cost_usd ?? 0).toFixed(2)}`,
  ].join("\n");
}

/** Tick boundaries, halts and cooldowns as vertical lines over `height`. */
function marks(m: ReportModel, x: (at: string) => number, height: number): string {
  const out: string[] = [];
  for (const t of m.ticks) {
    const at = t.started_at ?? t.completed_at;
    if (!at) continue;
    const px = x(at).toFixed(1);
    out.push(
      `<g class="tick${t.idle ? " idle" : ""}"><line x1="${px}" x2="${px}" y1="12" y2="${height}"/><text x="${px}" y="10">t${t.tick}${t.idle ? " idle" : ""}</text><title>tick ${t.tick}${t.idle ? " (idle)" : ""} at ${esc(at)}</title></g>`,
    );
  }
  for (const k of m.markers) {
    const px = x(k.at).toFixed(1);
    out.push(
      `<g class="marker ${k.kind}"><line x1="${px}" x2="${px}" y1="12" y2="${height}"/><title>${k.kind}: ${esc(k.label)} at ${esc(k.at)} (event #${k.sequence})</title></g>`,
    );
  }
  return out.join("");
}

/** One lane per issue, a bar from dispatch to the terminal event, colored by outcome. */
function lanes(m: ReportModel): string {
  const x = axis(m);
  const height = 16 + m.rows.length * LANE;
  const bars = m.rows.map((r, i) => {
    const y = 16 + i * LANE;
    const x1 = x(r.start);
    const w = Math.max(3, x(r.end) - x1);
    const issue = r.timeline.issue;
    return `<a class="lane" id="lane-${issue}" href="#issue-${issue}" data-issue="${issue}" data-outcome="${r.outcome}"><text class="label" x="4" y="${y + 12}">#${issue}</text><rect class="bar o-${r.outcome}" x="${x1.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${LANE - 5}" rx="2"/><title>${esc(hover(r))}</title></a>`;
  });
  return `<svg class="gantt" role="img" aria-label="Timeline: one lane per issue, bars from dispatch to the terminal event" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${marks(m, x, height)}${bars.join("")}</svg>`;
}

/** Too many issues for lanes: how many ended per hour, stacked by outcome. */
function perHour(m: ReportModel): string {
  const hours = new Map<string, Record<Outcome, number>>();
  for (const r of m.rows) {
    const h = r.end.slice(0, 13);
    let c = hours.get(h);
    if (!c) {
      c = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
      hours.set(h, c);
    }
    c[r.outcome]++;
  }
  const keys = [...hours.keys()].sort();
  const max = Math.max(1, ...keys.map((k) => Object.values(hours.get(k)!).reduce((a, b) => a + b)));
  const height = 180;
  const w = (WIDTH - LEFT) / Math.max(1, keys.length);
  const bars: string[] = [];
  keys.forEach((k, i) => {
    let y = height;
    for (const o of OUTCOMES) {
      const n = hours.get(k)![o];
      if (n === 0) continue;
      const h = (n / max) * (height - 20);
      y -= h;
      bars.push(
        `<rect class="bar o-${o}" x="${(LEFT + i * w).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, w - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(k)}:00 ${o} ${n}</title></rect>`,
      );
    }
  });
  return `<svg class="gantt aggregated" role="img" aria-label="Issues ended per hour by outcome" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}"><text x="4" y="14">${max}/h</text>${bars.join("")}</svg>`;
}

export function renderGantt(m: ReportModel): string {
  if (m.rows.length === 0) return "<p>No task events yet.</p>";
  if (m.rows.length > m.limits.ganttLanes) {
    return `<p>${m.rows.length} issues: too many for one lane each, so this counts the issues that ended each hour, by outcome.</p>${perHour(m)}`;
  }
  return lanes(m);
}
