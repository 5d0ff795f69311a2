import type { StoredEvent } from "../../store/record.ts";

type Payload = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;

/** `#201` from a PR number or a PR URL ending in /pull/201. */
export function prLabel(payload: Payload): string | undefined {
  const pr = payload.pr;
  if (typeof pr === "number") return `#${pr}`;
  const url = str(payload.pr_url);
  const n = url && /\/pull\/(\d+)\/?$/.exec(url)?.[1];
  return n ? `#${n}` : url;
}

function severities(payload: Payload): string | undefined {
  const counts = payload.sev_counts;
  if (typeof counts !== "object" || counts === null) return undefined;
  const parts = Object.entries(counts as Record<string, unknown>)
    .filter(([, n]) => typeof n === "number" && n > 0)
    .map(([sev, n]) => `${sev} ${n}`);
  return parts.length ? parts.join(", ") : undefined;
}

/**
 * What a person reads first in an event, for `replay`'s table: the issue, the status or
 * state change, the critic's verdict and severities, the error or reason, the PR as `#201`,
 * the tick; then the legacy record kind it came from. `--json` keeps the whole payload.
 */
export function eventSummary(e: StoredEvent): string {
  const p = e.payload as Payload;
  const parts: string[] = [];
  const issue = str(p.issue);
  if (issue && e.task_id !== `issue:${issue}`) parts.push(`issue ${issue}`);
  else if (Array.isArray(p.issues)) parts.push(`issues ${p.issues.join(",")}`);
  const tick = str(p.tick);
  if (tick && !e.kind.startsWith("task.")) parts.push(`tick ${tick}`);
  const from = str(p.prior_state);
  const to = str(p.new_state);
  if (from && to) parts.push(`${from} → ${to}`);
  else if (str(p.status)) parts.push(`status ${str(p.status)}`);
  const verdict = str(p.verdict);
  if (verdict) parts.push(`verdict ${verdict}`);
  const sev = severities(p);
  if (sev) parts.push(`(${sev})`);
  const pr = prLabel(p);
  if (pr) parts.push(`PR ${pr}`);
  const error = str(p.error) ?? str(p.reason);
  if (error && error !== str(p.legacy_kind))
    parts.push(`${str(p.error) ? "error" : "reason"}: ${error}`);
  if (typeof p.cost_usd === "number") parts.push(`$${p.cost_usd}`);
  const legacy = str(p.legacy_kind);
  if (parts.length === 0) return legacy ? `${legacy} ${e.payload_json}` : e.payload_json;
  return legacy ? `${parts.join("  ")}  [${legacy}]` : parts.join("  ");
}
