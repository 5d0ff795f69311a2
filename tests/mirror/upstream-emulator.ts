import { Database } from "bun:sqlite";
import { randomUUID } from "node:crypto";
import { insertUpstreamRow } from "../store/upstream-writer.ts";

/**
 * A test-only stand-in for forge-loop's own runner mirror, written from the facts we know about
 * it (not from its code): which durable events each legacy kind gives, its idempotency keys
 * `legacy-runner:<durable kind>:<legacy kind>:tick=<t>:issue=<n>:worker=<w>:pr=<p>` (a missing
 * part and 0 both written empty; `<w>` the first present of session_id, worker_id, worker,
 * thread_id, log_path, worktree, branch; `<p>` pr_url, else pr), the newest mirror's `:step=`
 * suffix on session transitions and verdicts, and rows holding the contract's columns plus its
 * first chain (`prev_hash`/`event_hash`). An existing key is left alone (idempotent append).
 */
type R = Record<string, unknown>;

const TERMINAL: R = {
  merged: "task.completed",
  open: "task.completed",
  failed: "task.failed",
  no_pr: "task.failed",
  timeout: "task.failed",
  stale: "task.failed",
  budget_exceeded: "task.failed",
  compensated: "task.compensated",
};
const HALTS = new Set(["loop_drift_halt", "deploy_drift_halt", "max_ticks_reached", "loop_stop"]);

interface UpEvent {
  kind: string;
  fields: R;
  step?: string;
}

/** The durable events forge-loop's newest mirror gives one record. */
export function upstreamEvents(rec: R): UpEvent[] {
  const k = rec.kind as string;
  const one = (kind: string, step?: string): UpEvent => ({ kind, fields: rec, step });
  const outcome = (o: R, status: unknown): UpEvent[] => {
    const fields = { ...o, tick: rec.tick };
    const out: UpEvent[] = [];
    if (o.pr_url) out.push({ kind: "pr.opened", fields });
    const terminal = TERMINAL[status as string] as string | undefined;
    out.push({ kind: terminal ?? "worker.observation", fields });
    return out;
  };
  switch (k) {
    case "tick_start":
      return [
        one("tick.started"),
        ...(rec.issues as number[]).map((issue) => ({
          kind: "task.planned",
          fields: { tick: rec.tick, issue },
        })),
      ];
    case "po_done":
      return (rec.expanded as number[]).map((issue) => ({
        kind: "task.planned",
        fields: { tick: rec.tick, issue },
      }));
    case "worker_start":
    case "worker_started":
    case "worker_iteration_attempt":
      return [one("task.dispatched")];
    case "worker_session_transition": {
      const step = `${rec.prior_state}->${rec.new_state}`;
      if (rec.new_state === "awaiting_critic") return [one("pr.opened", step)];
      if (rec.new_state === "abandoned") return [one("task.failed", step)];
      if (rec.new_state === "merged") return [one("task.completed", step), one("pr.merged", step)];
      return [];
    }
    case "watchdog_started":
    case "watchdog_worker_stuck":
    case "watchdog_worker_killed":
      return [one("task.heartbeat")];
    case "stage_timeout":
    case "stage_error":
      return [one(rec.stage === "worker" ? "task.failed" : "worker.observation")];
    case "tick_done": {
      const out = [one("tick.completed")];
      for (const o of rec.outcomes as R[]) {
        out.push(...outcome(o, o.status));
        if (o.status === "merged")
          out.push({ kind: "pr.merged", fields: { ...o, tick: rec.tick } });
      }
      return out;
    }
    case "critic_done":
      return [one("critique.issued", `verdict=${rec.verdict}`)];
    case "critic_verdict_merged":
    case "critic_verdict_revising":
    case "critic_verdict_unknown":
      return [one("critique.issued", `verdict=${k.slice("critic_verdict_".length)}`)];
    case "critic_verdict_blocked":
      return [one("critique.issued", "verdict=block"), one("merge.blocked", "verdict=block")];
    case "merge_refused_issue_closed":
    case "post_critic_automerge_failed":
      return [one("merge.blocked")];
    case "worker_work_rescued":
      return [one("task.compensated")];
    case "worktree_reaped":
      return [one("worktree.reaped")];
    case "worker_done":
      return outcome(rec, rec.status);
    case "worker_failed":
      return [one("task.failed")];
    case "post_critic_automerge_enabled":
      return [one("pr.merged")];
  }
  return HALTS.has(k) ? [one("loop.halted")] : [];
}

const part = (v: unknown) =>
  v === undefined || v === null || v === "" || v === 0 ? "" : String(v);
const WORKER = ["session_id", "worker_id", "worker", "thread_id", "log_path", "worktree", "branch"];

export function upstreamKeyOf(legacyKind: string, e: UpEvent): string {
  const f = e.fields;
  const worker = WORKER.map((w) => f[w]).find((v) => v !== undefined && v !== null && v !== "");
  const pr = f.pr_url !== undefined && f.pr_url !== null && f.pr_url !== "" ? f.pr_url : f.pr;
  const key = `legacy-runner:${e.kind}:${legacyKind}:tick=${part(f.tick)}:issue=${part(f.issue)}:worker=${part(worker)}:pr=${part(pr)}`;
  return e.step === undefined ? key : `${key}:step=${e.step}`;
}

function sortedJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
  const o = v as R;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
    .join(",")}}`;
}

/** `2026-06-02T12:34:56.789Z` or `...+00:00` → `2026-06-02T12:34:56.789000+00:00`. */
function occurredAt(ts: unknown): string {
  const d = typeof ts === "string" ? new Date(ts) : new Date();
  return `${d.toISOString().slice(0, 23)}000+00:00`;
}

/** Mirrors the records into `path` as forge-loop's runner would; returns the rows it wrote. */
export function upstreamMirror(path: string, records: readonly R[]): number {
  const db = new Database(path);
  let written = 0;
  try {
    for (const rec of records) {
      for (const e of upstreamEvents(rec)) {
        const key = upstreamKeyOf(rec.kind as string, e);
        if (db.query("SELECT 1 FROM events WHERE idempotency_key = ?").get(key)) continue;
        const issue = typeof e.fields.issue === "number" ? e.fields.issue : null;
        const tick = typeof e.fields.tick === "number" ? e.fields.tick : null;
        const row = {
          event_id: randomUUID().replaceAll("-", ""),
          kind: e.kind,
          payload_json: sortedJson({ ...e.fields, legacy_kind: rec.kind }),
          schema_version: 1,
          occurred_at: occurredAt(rec.ts),
          task_id: issue === null ? null : `issue:${issue}`,
          saga_id: tick === null ? null : `tick:${tick}`,
          idempotency_key: key,
        };
        insertUpstreamRow(db, "338", row);
        written++;
      }
    }
  } finally {
    db.close();
  }
  return written;
}
