import type { EventKind } from "../store/kinds.ts";
import type { KnownLegacyKind } from "./schemas.ts";

/**
 * The runner's words, in one place: what an outcome status means, which records end or pause
 * the loop, and which hook reports which record. The mirror, the timeline, the fmail deriver
 * and the typed hooks all read them from here.
 */

/** `tick_done.outcomes[].status` and `worker_done.status` values, and the terminal event each one means. */
export const OUTCOME_TERMINAL = {
  merged: "task.completed",
  open: "task.completed",
  failed: "task.failed",
  no_pr: "task.failed",
  timeout: "task.failed",
  stale: "task.failed",
  budget_exceeded: "task.failed",
  compensated: "task.compensated",
} as const satisfies Record<string, EventKind>;

export type OutcomeStatus = keyof typeof OUTCOME_TERMINAL;
export const OUTCOME_STATUSES = Object.keys(OUTCOME_TERMINAL) as OutcomeStatus[];

/** The terminal event an outcome status means; undefined for a status nobody knows. */
export function terminalKindOf(status: unknown): EventKind | undefined {
  return typeof status === "string" && Object.hasOwn(OUTCOME_TERMINAL, status)
    ? OUTCOME_TERMINAL[status as OutcomeStatus]
    : undefined;
}

/** Statuses that count as a failed task (fmail's exit code, the loop totals). */
export const FAILED_STATUSES: ReadonlySet<string> = new Set(
  OUTCOME_STATUSES.filter((s) => OUTCOME_TERMINAL[s] === "task.failed"),
);

/** The terminal durable kinds and the word a timeline shows for each. */
export const TERMINAL_WORD = {
  "task.completed": "completed",
  "task.failed": "failed",
  "task.compensated": "compensated",
} as const satisfies Partial<Record<EventKind, string>>;
export type TerminalWord = (typeof TERMINAL_WORD)[keyof typeof TERMINAL_WORD];

/**
 * Records after which the loop runs no further tick. Each becomes one `loop.halted` event
 * (`reason` = the legacy kind) in the durable log, and the first of them in a run ends the run
 * on fmail (`loop_stop`, `reason` = the same kind). A runner may write two of them for one
 * stop (a stop file seen, then `loop_stop`): the log keeps both facts, readers take the first
 * as the run's end.
 */
export const LOOP_END_KINDS = [
  "loop_drift_halt",
  "deploy_drift_halt",
  "max_ticks_reached",
  "loop_stop",
  "stop_file_seen",
  "signal_stop",
] as const satisfies readonly KnownLegacyKind[];

/** Loop ends caused by a failure (fmail: a `loop_error` that will not be retried comes first). */
export const FAILURE_HALT_KINDS = [
  "loop_drift_halt",
  "deploy_drift_halt",
] as const satisfies readonly KnownLegacyKind[];

/** Stop requests that wait for the ticks in flight to finish before the loop ends. */
export const DEFERRED_STOP_KINDS = [
  "stop_file_seen",
  "signal_stop",
] as const satisfies readonly KnownLegacyKind[];

/** Records that pause or resume the loop without ending it. */
export const PAUSE_KIND = "signal_pause" satisfies KnownLegacyKind;
export const RESUME_KIND = "signal_resume" satisfies KnownLegacyKind;

const LOOP_END = new Set<string>(LOOP_END_KINDS);
export const isLoopEndKind = (kind: string): boolean => LOOP_END.has(kind);

/** The hook that reports each record kind; anything else goes through `onRecord`. */
export const HOOK_KINDS = {
  onStart: ["loop_start"],
  onTick: ["tick_start", "po_start", "po_done", "tick_idle", "tick_all_skipped", "tick_done"],
  onWorker: [
    "worker_start",
    "worker_started",
    "worker_iteration_attempt",
    "worker_skip_in_flight",
    "worker_skip_cooldown",
    "worker_session_transition",
    "watchdog_started",
    "watchdog_worker_stuck",
    "watchdog_worker_killed",
    "stage_timeout",
    "stage_error",
    "worker_work_rescued",
    "worker_done",
    "worker_failed",
  ],
  onCritic: [
    "critic_done",
    "critic_verdict_merged",
    "critic_verdict_blocked",
    "critic_verdict_revising",
    "critic_verdict_unknown",
  ],
  onPr: [
    "merge_refused_issue_closed",
    "post_critic_automerge_enabled",
    "post_critic_automerge_failed",
  ],
  onWorktree: ["worktree_reaped", "worktree_preserved"],
  onHalt: [
    "loop_drift_halt",
    "deploy_drift_halt",
    "deploy_drift_warn",
    "max_ticks_reached",
    "loop_stop",
    "stop_file_seen",
    "signal_stop",
    "signal_pause",
    "signal_resume",
  ],
} as const satisfies Record<string, readonly KnownLegacyKind[]>;
