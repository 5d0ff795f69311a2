import { z } from "zod";

/**
 * The forge-loop runner's legacy JSONL records, one zod schema per kind. They
 * type the plugin's milestone inputs and validate records read back from a JSONL file.
 * Identity fields (tick, issue, issues, outcomes) are strict; every other documented field is
 * optional and nullable, because the Python runner writes `None` freely. Unknown extra fields
 * pass through untouched (newer runners add some).
 */

const tick = z.number().int().nonnegative();
const issue = z.number().int();
const str = z.string().nullish();
const num = z.number().nullish();
const int = z.number().int().nullish();
const bool = z.boolean().nullish();
/** A PR is referenced by number in some records and by URL in others. */
const pr = z.union([z.number().int(), z.string()]).nullish();
/** `ts` is optional: some runner code paths never wrote one. */
const ts = z.string().optional();

const record = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.looseObject({ ts, kind: z.literal(kind), ...shape });

const tickOutcomeSchema = z.looseObject({
  issue,
  title: str,
  pr_url: str,
  status: z.string(),
  duration_s: num,
  stdout_tail: str,
  error: str,
  cost_usd: num,
  usage: z.record(z.string(), z.unknown()).nullish(),
  model: str,
  budget_usd: num,
});
export type TickOutcome = z.infer<typeof tickOutcomeSchema>;

const poOutcomeSchema = z.looseObject({
  issue,
  skipped: bool,
  reason: str,
  sections_added: int,
  duration_s: num,
  error: str,
});

export const LEGACY_SCHEMAS = {
  loop_start: record("loop_start", {
    parallel: int,
    tick_interval: num,
    max_ticks: int,
    label: str,
    runner_id: str,
    host_id: str,
    distributed: bool,
    queue_backend: str,
    orchestrator: str,
    pools: z.record(z.string(), z.unknown()).nullish(),
  }),
  // The runner has written tick_start without a tick: it is accepted and mapped without one.
  tick_start: record("tick_start", { tick: tick.optional(), issues: z.array(issue) }),
  tick_idle: record("tick_idle", { tick }),
  tick_all_skipped: record("tick_all_skipped", { tick }),
  po_start: record("po_start", { tick, issues: z.array(issue) }),
  po_done: record("po_done", {
    tick,
    expanded: z.array(issue),
    skipped: z.array(issue).nullish(),
    outcomes: z.array(poOutcomeSchema).nullish(),
  }),
  tick_done: record("tick_done", {
    tick,
    merged: z.array(issue).nullish(),
    outcomes: z.array(tickOutcomeSchema),
  }),
  worker_start: record("worker_start", {
    tick: tick.optional(),
    issue,
    worktree: str,
    session_id: str,
  }),
  worker_started: record("worker_started", {
    tick: tick.optional(),
    issue,
    worktree: str,
    session_id: str,
  }),
  worker_iteration_attempt: record("worker_iteration_attempt", {
    tick: tick.optional(),
    issue,
    worktree: str,
    session_id: str,
  }),
  worker_skip_in_flight: record("worker_skip_in_flight", {
    issue,
    pr_url: str,
    fingerprint: str,
    matched_ts: str,
  }),
  worker_skip_cooldown: record("worker_skip_cooldown", {
    issue,
    fingerprint: str,
    cooldown_remaining_s: num,
    matched_ts: str,
  }),
  worker_session_transition: record("worker_session_transition", {
    session_id: str,
    issue,
    prior_state: str,
    new_state: z.string(),
    reason: str,
    pr_url: str,
  }),
  watchdog_started: record("watchdog_started", {
    issue,
    worktree: str,
    poll_interval_s: num,
    stuck_after_s: num,
    kill_after_s: num,
  }),
  watchdog_worker_stuck: record("watchdog_worker_stuck", {
    issue,
    idle_s: num,
    stuck_after_s: num,
  }),
  watchdog_worker_killed: record("watchdog_worker_killed", {
    issue,
    idle_s: num,
    kill_after_s: num,
  }),
  stage_timeout: record("stage_timeout", {
    stage: z.string(),
    slot: z.union([z.number(), z.string()]).nullish(),
    issue: issue.nullish(),
    timeout_s: num,
  }),
  stage_error: record("stage_error", {
    stage: z.string(),
    slot: z.union([z.number(), z.string()]).nullish(),
    issue: issue.nullish(),
    err: str,
  }),
  critic_done: record("critic_done", {
    issue,
    pr,
    verdict: str,
    reasons: z.union([z.array(z.unknown()), z.string()]).nullish(),
    duration_s: num,
    sev_counts: z.record(z.string(), z.number()).nullish(),
    parse_retries: int,
    findings: z.array(z.unknown()).nullish(),
    minimal_path_to_green: z.array(z.unknown()).nullish(),
  }),
  critic_verdict_merged: record("critic_verdict_merged", { issue, session_id: str, pr }),
  critic_verdict_blocked: record("critic_verdict_blocked", { issue, session_id: str, pr }),
  critic_verdict_revising: record("critic_verdict_revising", {
    issue,
    session_id: str,
    pr,
    iterations: int,
    resumed: bool,
  }),
  critic_verdict_unknown: record("critic_verdict_unknown", {
    issue,
    session_id: str,
    pr,
    overall: z.unknown().optional(),
  }),
  merge_refused_issue_closed: record("merge_refused_issue_closed", {
    issue,
    pr,
    issue_state: str,
  }),
  worker_work_rescued: record("worker_work_rescued", { issue, pr, hint: str }),
  worker_done: record("worker_done", {
    tick: tick.optional(),
    issue,
    status: z.string(),
    pr_url: str,
    session_id: str,
    worktree: str,
  }),
  worker_failed: record("worker_failed", {
    tick: tick.optional(),
    issue,
    err: str,
    pr_url: str,
    session_id: str,
    worktree: str,
  }),
  post_critic_automerge_enabled: record("post_critic_automerge_enabled", {
    issue,
    pr,
    pr_url: str,
    session_id: str,
  }),
  post_critic_automerge_failed: record("post_critic_automerge_failed", {
    issue,
    pr,
    pr_url: str,
    session_id: str,
    err: str,
  }),
  worktree_reaped: record("worktree_reaped", { issue, status: str, path: str, hint: str }),
  worktree_preserved: record("worktree_preserved", { issue, status: str, path: str, hint: str }),
  loop_drift_halt: record("loop_drift_halt", {
    signature: str,
    last_3: z.array(z.unknown()).nullish(),
  }),
  deploy_drift_warn: record("deploy_drift_warn", { consecutive_fails: int }),
  deploy_drift_halt: record("deploy_drift_halt", { consecutive_fails: int }),
  max_ticks_reached: record("max_ticks_reached", { tick }),
  loop_stop: record("loop_stop", { tick: tick.optional() }),
  stop_file_seen: record("stop_file_seen", {}),
  signal_stop: record("signal_stop", {}),
  signal_pause: record("signal_pause", {}),
  signal_resume: record("signal_resume", {}),
} as const;

type LegacySchemas = typeof LEGACY_SCHEMAS;
export type KnownLegacyKind = keyof LegacySchemas;
export const KNOWN_LEGACY_KINDS = Object.keys(LEGACY_SCHEMAS) as KnownLegacyKind[];

/** What a runner passes to a hook: the record without `kind` typing loosened, `ts` optional. */
export type LegacyRecordOf<K extends KnownLegacyKind> = z.input<LegacySchemas[K]>;

/** Any legacy line: a JSON object with a string `kind`. Kinds nobody maps are still records. */
export const anyLegacyRecordSchema = z.looseObject({ kind: z.string().min(1), ts: ts });
export type AnyLegacyRecord = z.infer<typeof anyLegacyRecordSchema>;

export function isKnownLegacyKind(kind: string): kind is KnownLegacyKind {
  return Object.hasOwn(LEGACY_SCHEMAS, kind);
}
