import type { KnownLegacyKind, LegacyRecordOf } from "./legacy/schemas.ts";

/**
 * The runner's milestones, grouped by the hook that reports them. A milestone is the legacy
 * record the runner used to write, with `ts` optional (omitted → stamped now; null → none).
 */
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
  ],
  onCritic: [
    "critic_done",
    "critic_verdict_merged",
    "critic_verdict_blocked",
    "critic_verdict_revising",
    "critic_verdict_unknown",
  ],
  onPr: ["merge_refused_issue_closed"],
  onWorktree: ["worktree_reaped", "worktree_preserved"],
  onHalt: [
    "loop_drift_halt",
    "deploy_drift_warn",
    "deploy_drift_halt",
    "max_ticks_reached",
    "loop_stop",
    "stop_file_seen",
    "signal_stop",
    "signal_pause",
    "signal_resume",
  ],
} as const satisfies Record<string, readonly KnownLegacyKind[]>;

export type HookName = keyof typeof HOOK_KINDS;

export type Milestone<K extends KnownLegacyKind> = Omit<LegacyRecordOf<K>, "ts"> & {
  ts?: string | null;
};

type MilestoneOf<H extends HookName> = {
  [K in (typeof HOOK_KINDS)[H][number]]: Milestone<K>;
}[(typeof HOOK_KINDS)[H][number]];

export type StartMilestone = MilestoneOf<"onStart">;
export type TickMilestone = MilestoneOf<"onTick">;
export type WorkerMilestone = MilestoneOf<"onWorker">;
export type CriticMilestone = MilestoneOf<"onCritic">;
export type PrMilestone = MilestoneOf<"onPr">;
export type WorktreeMilestone = MilestoneOf<"onWorktree">;
export type HaltMilestone = MilestoneOf<"onHalt">;

/** Any record, including kinds nobody maps (e.g. `mcp_tool_rate_limited`). */
export type AnyMilestone = { kind: string; ts?: string | null } & Record<string, unknown>;

/**
 * The hook interface a runner calls. Every hook may be synchronous or async; a runner that
 * awaits them works with both. forge-eventlog's own hooks are synchronous and never throw.
 */
export interface RunnerHooks {
  onStart?(m: StartMilestone): void | Promise<void>;
  onTick?(m: TickMilestone): void | Promise<void>;
  onWorker?(m: WorkerMilestone): void | Promise<void>;
  onCritic?(m: CriticMilestone): void | Promise<void>;
  onPr?(m: PrMilestone): void | Promise<void>;
  onWorktree?(m: WorktreeMilestone): void | Promise<void>;
  onHalt?(m: HaltMilestone): void | Promise<void>;
  /** Pass-through for any other record the runner writes. */
  onRecord?(m: AnyMilestone): void | Promise<void>;
  close?(): void | Promise<void>;
}

export const HOOK_NAMES = [...(Object.keys(HOOK_KINDS) as HookName[]), "onRecord"] as const;
