import { clockTime } from "../views/issue-story.ts";
import { formatSeconds, type LoopSummary } from "../views/loop-summary.ts";
import { renderCharts } from "./charts.ts";
import { CLIENT_SCRIPT } from "./client.ts";
import { esc, safeHref } from "./escape.ts";
import { renderGantt } from "./gantt.ts";
import type { IssueRow, ReportModel } from "./model.ts";

/** Outcome colors, light then dark; both schemes keep them apart and readable. */
export const OUTCOME_COLORS = {
  merged: ["#1a7f37", "#3fb950"],
  open: ["#0969da", "#58a6ff"],
  blocked: ["#bf8700", "#d29922"],
  failed: ["#cf222e", "#f85149"],
  timeout: ["#bc4c00", "#f0883e"],
  budget_exceeded: ["#8250df", "#bc8cff"],
  compensated: ["#1b7c83", "#39c5cf"],
  running: ["#6e7781", "#8b949e"],
} as const;

function css(): string {
  const light = Object.entries(OUTCOME_COLORS)
    .map(([o, [l]]) => `--o-${o}:${l};`)
    .join("");
  const dark = Object.entries(OUTCOME_COLORS)
    .map(([o, [, d]]) => `--o-${o}:${d};`)
    .join("");
  const fills = Object.keys(OUTCOME_COLORS)
    .map((o) => `.o-${o}{fill:var(--o-${o})}.s-${o}{color:var(--o-${o})}`)
    .join("");
  return `:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;${light}}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#151b23;${dark}}}
*{box-sizing:border-box}[hidden]{display:none!important}body{margin:0 auto;max-width:1100px;padding:1rem;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,sans-serif}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:.5rem;padding:0;margin:0;list-style:none}
.cards li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem}.cards b{display:block;font-size:1.3rem}
.scroll{overflow-x:auto}svg text{fill:var(--fg);font-size:11px}svg .tick line{stroke:var(--line)}svg .tick.idle text{fill:var(--muted)}
svg .marker.halt line{stroke:var(--o-failed);stroke-dasharray:4 3}svg .marker.cooldown line{stroke:var(--muted);stroke-dasharray:2 3}
svg a.lane:focus rect,svg a.lane:hover rect{stroke:var(--fg);stroke-width:1.5}${fills}
.c-merged{fill:var(--o-merged)}.c-failed{fill:var(--o-failed)}figure{display:inline-block;margin:0 1rem 1rem 0}figcaption{color:var(--muted)}
.legend span{margin-right:.8rem}.legend i{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.25em;vertical-align:-.05em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th button{font:inherit;font-weight:600;background:none;border:0;color:inherit;cursor:pointer;padding:0}th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
#issues td:nth-child(6),#issues td:nth-child(7){text-align:right}details ol{margin:.3rem 0;padding-left:1.2rem;min-width:22rem}details time{color:var(--muted);font-variant-numeric:tabular-nums}
.filters{display:flex;gap:1rem;margin:.5rem 0}a{color:var(--o-open)}:focus-visible{outline:2px solid var(--o-open);outline-offset:2px}
#live-events{font-family:ui-monospace,monospace;font-size:12px;max-height:14rem;overflow:auto}`;
}

const pct = (r: number | null) => (r === null ? "-" : `${Math.round(r * 100)}%`);
const list = (r: Record<string, number>) =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${esc(k)} ${n}`)
    .join(", ") || "none";

function cards(s: LoopSummary): string {
  const card = (label: string, value: string, detail = "") =>
    `<li><span class="muted">${label}</span><b>${value}</b>${detail ? `<span>${detail}</span>` : ""}</li>`;
  return `<ul class="cards" id="summary">${[
    card("ticks", String(s.ticks), `${s.idle_ticks} idle`),
    card("issues", String(s.issues), list(s.by_status)),
    card("merged", String(s.merged), `merge rate ${pct(s.merge_rate)}`),
    card(
      "failed",
      String(Object.values(s.failed_by_reason).reduce((a, b) => a + b, 0)),
      list(s.failed_by_reason),
    ),
    card("blocked merges", String(s.blocked)),
    card(
      "time to merge",
      formatSeconds(s.time_to_merge_s.median),
      `median; p90 ${formatSeconds(s.time_to_merge_s.p90)}`,
    ),
    card(
      "cost",
      `$${s.cost_usd.toFixed(2)}`,
      `${s.input_tokens} in / ${s.output_tokens} out tokens`,
    ),
    card(
      "critic verdicts",
      String(Object.values(s.critic_verdicts).reduce((a, b) => a + b, 0)),
      list(s.critic_verdicts),
    ),
    card("halts", String(s.halts)),
    card("quarantined lines", String(s.quarantined)),
  ].join("")}</ul>`;
}

function legend(): string {
  return `<p class="legend">${Object.keys(OUTCOME_COLORS)
    .map(
      (o) =>
        `<span><i class="s-${o}" style="background:currentColor"></i>${o.replace("_", " ")}</span>`,
    )
    .join(
      "",
    )}<span>│ tick</span><span class="s-failed">┆ halt</span><span class="muted">┆ cooldown</span></p>`;
}

function prCell(url: string | null): string {
  if (url === null) return "-";
  const label = esc(/\/pull\/(\d+)\/?$/.exec(url)?.[1] ? `#${/\/pull\/(\d+)/.exec(url)![1]}` : url);
  const href = safeHref(url);
  return href ? `<a href="${href}">${label}</a>` : label;
}

function storyCell(r: IssueRow): string {
  const issue = r.timeline.issue;
  if (!r.story) return `#${issue}`;
  const steps = r.story
    .map(
      (s) => `<li><time datetime="${esc(s.at)}">${esc(clockTime(s.at))}</time> ${esc(s.text)}</li>`,
    )
    .join("");
  return `<details><summary>#${issue}</summary><ol class="story">${steps}</ol></details>`;
}

/**
 * One table row. Closing tags are optional in HTML and left out, as are classes a CSS rule
 * can select: a 10,000-issue table must stay well under 2 MB.
 */
function row(r: IssueRow): string {
  const t = r.timeline;
  const f = r.facts;
  const seconds = f?.duration_s ?? 0;
  const cost = f?.cost_usd ?? 0;
  return `<tr id="issue-${t.issue}"><td>${storyCell(r)}<td>${esc(f?.title ?? "")}<td class="s-${r.outcome}">${esc(r.status)}<td>${prCell(t.pr_url)}<td>${esc(t.critic_verdicts.join(", "))}<td data-v="${seconds}">${formatSeconds(seconds || null)}<td>$${cost.toFixed(2)}<td>${t.ticks.join(",")}\n`;
}

function table(m: ReportModel): string {
  const statuses = [...new Set(m.rows.map((r) => r.status))].sort();
  const head = ["Issue", "Title", "Status", "PR", "Critic", "Worker time", "Cost", "Ticks"]
    .map((h) => `<th scope="col"><button type="button">${h}</button></th>`)
    .join("");
  const omitted =
    m.rows_omitted > 0
      ? ` (the latest ${m.rows.length}; ${m.rows_omitted} earlier issues left out)`
      : "";
  return `<div class="filters" data-js hidden><label>Status <select id="status-filter"><option value="">all</option>${statuses
    .map((s) => `<option value="${esc(s)}">${esc(s)}</option>`)
    .join(
      "",
    )}</select></label><label>Search <input id="text-filter" type="search" placeholder="issue, title, PR"></label><span><span id="shown">${m.rows.length}</span> shown</span></div>
<p class="muted">${m.rows.length} issues${omitted}.${m.stories ? " Open an issue for its story." : " The log is too big to embed every story: use 'forge-eventlog timeline --issue N'."}</p>
<div class="scroll"><table id="issues"><thead><tr>${head}</tr></thead><tbody>${m.rows.map(row).join("")}</tbody></table></div>`;
}

export interface PageOptions {
  /**
   * The live page: a list of the events the server pushes (Server-Sent Events at ./sse) after
   * this sequence, the last the page was built from.
   */
  liveAfter?: number;
}

/** The whole report as one self-contained HTML document: no external file of any kind. */
export function renderPage(m: ReportModel, options: PageOptions = {}): string {
  const s = m.summary;
  const span = m.first_at ? `${esc(m.first_at)} – ${esc(m.last_at)}` : "no events";
  const live =
    options.liveAfter !== undefined
      ? `<section aria-labelledby="live-h"><h2 id="live-h">Live events <small class="muted" id="live-state">connecting</small></h2><ol id="live-events" aria-live="polite"></ol></section>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'">
<title>${esc(m.title)}</title><style>${css()}</style></head>
<body${options.liveAfter !== undefined ? ` data-live-after="${options.liveAfter}"` : ""}>
<header><h1>${esc(m.title)}</h1><p class="muted">${esc(m.source)} · ${s.events} events · ${span} · generated ${esc(m.generated_at)}</p></header>
<main>${live}
<section aria-labelledby="sum-h"><h2 id="sum-h">Summary</h2>${cards(s)}</section>
<section aria-labelledby="gantt-h"><h2 id="gantt-h">Timeline</h2>${legend()}<div class="scroll">${renderGantt(m)}</div></section>
<section aria-labelledby="charts-h"><h2 id="charts-h">Over time</h2>${renderCharts(m)}</section>
<section aria-labelledby="tab-h"><h2 id="tab-h">Issues</h2>${table(m)}</section>
</main><script>${CLIENT_SCRIPT}</script></body></html>
`;
}
