import type { KnownLegacyKind, LegacyRecordOf } from "./legacy/schemas.ts";
import { HOOK_KINDS } from "./legacy/vocabulary.ts";

/**
 * The runner's milestones, grouped by the hook that reports them (the grouping is part of the
 * runner's vocabulary). A milestone is the legacy record the runner used to write, typed by its
 * `kind`, with `ts` optional (omitted → stamped now; null → written without one). Fields a
 * newer runner adds beyond the documented ones are allowed and written as they are.
 */
export type HookName = keyof typeof HOOK_KINDS;

/** A zod loose object's input type without its index signature, so its own keys survive `Omit`. */
type DeclaredFields<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

export type Milestone<K extends KnownLegacyKind> = Omit<DeclaredFields<LegacyRecordOf<K>>, "ts"> & {
  ts?: string | null;
  readonly [extra: string]: unknown;
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
/** Every milestone of a known kind. */
export type KnownMilestone = { [K in KnownLegacyKind]: Milestone<K> }[KnownLegacyKind];

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
