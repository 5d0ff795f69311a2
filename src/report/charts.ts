import { FAILED_STATUSES } from "../legacy/vocabulary.ts";
import { DURATION_BUCKETS_S } from "../metrics/exposition.ts";
import { formatSeconds } from "../views/loop-summary.ts";
import { esc } from "./escape.ts";
import type { ReportModel } from "./model.ts";

const W = 460;
const H = 160;

interface Bucket {
  label: string;
  merged: number;
  failed: number;
}

/** Merged and failed issues per tick (an issue counts in its last tick), or per hour. */
function overTime(m: ReportModel): { by: string; buckets: Bucket[] } {
  const perHour = m.ticks.length > m.limits.chartTicks || m.ticks.length === 0;
  const buckets = new Map<string, Bucket>();
  for (const r of m.rows) {
    const merged = r.outcome === "merged";
    const failed = FAILED_STATUSES.has(r.status);
    if (!merged && !failed) continue;
    const t = r.timeline;
    const label = perHour ? `${r.end.slice(0, 13)}h` : `t${t.ticks.at(-1) ?? "?"}`;
    let b = buckets.get(label);
    if (!b) {
      b = { label, merged: 0, failed: 0 };
      buckets.set(label, b);
    }
    if (merged) b.merged++;
    else b.failed++;
  }
  const order = perHour
    ? [...buckets.keys()].sort()
    : m.ticks.map((t) => `t${t.tick}`).filter((k) => buckets.has(k));
  return { by: perHour ? "hour" : "tick", buckets: order.map((k) => buckets.get(k)!) };
}

function bars(title: string, buckets: Bucket[], keys: ("merged" | "failed")[]): string {
  const max = Math.max(1, ...buckets.map((b) => keys.reduce((a, k) => a + b[k], 0)));
  const w = (W - 30) / Math.max(1, buckets.length);
  const out: string[] = [];
  buckets.forEach((b, i) => {
    let y = H - 16;
    for (const k of keys) {
      const h = (b[k] / max) * (H - 36);
      y -= h;
      if (b[k] > 0) {
        out.push(
          `<rect class="c-${k}" x="${(30 + i * w).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, w - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(b.label)}: ${k} ${b[k]}</title></rect>`,
        );
      }
    }
    if (buckets.length <= 24) {
      out.push(
        `<text x="${(30 + i * w + w / 2).toFixed(1)}" y="${H - 3}" text-anchor="middle">${esc(b.label)}</text>`,
      );
    }
  });
  return `<figure><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><text x="0" y="12">${max}</text>${out.join("")}</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

/** Charts over time: merged vs failed per tick (or hour), and how long tasks took. */
export function renderCharts(m: ReportModel): string {
  const { by, buckets } = overTime(m);
  const durations = m.rows.map((r) => r.facts?.duration_s ?? 0).filter((d) => d > 0);
  const edges = [...DURATION_BUCKETS_S, Number.POSITIVE_INFINITY];
  const hist: Bucket[] = edges.map((le, i) => ({
    label: Number.isFinite(le) ? `≤${formatSeconds(le)}` : `>${formatSeconds(edges[i - 1]!)}`,
    merged: durations.filter((d) => d <= le && (i === 0 || d > edges[i - 1]!)).length,
    failed: 0,
  }));
  return [
    bars(`Merged (green) and failed (red) issues per ${by}`, buckets, ["merged", "failed"]),
    bars("Worker time per issue", hist, ["merged"]),
  ].join("");
}
