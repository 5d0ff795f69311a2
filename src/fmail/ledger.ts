import { FAILED_STATUSES } from "../legacy/vocabulary.ts";

/** Rendering and order of each known status in a ledger summary (fmail's labels). */
const GROUPS: ReadonlyArray<readonly [status: string, label: string, suffix: string]> = [
  ["merged", "merged", ""],
  ["open", "PR open", ""],
  ["compensated", "compensated", ""],
  ["failed", "failed", ""],
  ["timeout", "failed", " (timeout)"],
  ["no_pr", "failed", " (no PR)"],
  ["budget_exceeded", "failed", " (budget exceeded)"],
  ["stale", "failed", " (stale)"],
];

const MAX_LEDGER_SUMMARY = 300;

function field(o: unknown, key: string): unknown {
  return typeof o === "object" && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

function issueRef(issue: unknown): string {
  if (typeof issue === "number" && Number.isInteger(issue)) return `#${issue}`;
  if (typeof issue === "string" && /^\d+$/.test(issue.trim())) return `#${issue.trim()}`;
  return "#?";
}

function statusOf(outcome: unknown): string {
  const s = field(outcome, "status");
  return typeof s === "string" && s.trim() !== "" ? s.trim() : "unknown";
}

/** 1 when any outcome failed (see FAILED_STATUSES), else 0. */
export function tickExitCode(outcomes: readonly unknown[]): 0 | 1 {
  return outcomes.some((o) => FAILED_STATUSES.has(statusOf(o))) ? 1 : 0;
}

/**
 * A one-line summary of a tick's outcomes, e.g. `merged #167, #169; failed #170 (timeout)`.
 * Groups by status in a fixed order (merged, open, compensated, the failures, then other
 * statuses as met); `merged[]` issues missing from `outcomes` count as merged. At most
 * 300 chars; `no outcomes` when there are none.
 */
export function ledgerSummary(
  outcomes: readonly unknown[],
  merged: readonly unknown[] = [],
): string {
  const byStatus = new Map<string, string[]>();
  const add = (status: string, ref: string): void => {
    const list = byStatus.get(status) ?? [];
    if (!list.includes(ref)) list.push(ref);
    byStatus.set(status, list);
  };
  for (const o of outcomes) add(statusOf(o), issueRef(field(o, "issue")));
  const seen = new Set(outcomes.map((o) => issueRef(field(o, "issue"))));
  for (const m of merged) {
    const ref = issueRef(m);
    if (!seen.has(ref)) add("merged", ref);
  }
  const parts: string[] = [];
  for (const [status, label, suffix] of GROUPS) {
    const refs = byStatus.get(status);
    if (refs) parts.push(`${label} ${refs.join(", ")}${suffix}`);
    byStatus.delete(status);
  }
  for (const [status, refs] of byStatus) parts.push(`${status} ${refs.join(", ")}`);
  const text = parts.length > 0 ? parts.join("; ") : "no outcomes";
  return text.length > MAX_LEDGER_SUMMARY ? `${text.slice(0, MAX_LEDGER_SUMMARY - 1)}…` : text;
}
