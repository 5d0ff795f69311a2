import { z } from "zod";
import { TERMINAL_WORD } from "../legacy/vocabulary.ts";
import type { FoldEvent, FoldPayloads } from "../store/read.ts";

/**
 * A list whose items each pass `item`, checked in one loop and passed through as it is: a
 * task's ticks and verdicts grow with the log, and zod's own array check copied them element
 * by element (megabytes for each task a timeline printed).
 */
function listOf<T>(item: (v: unknown) => boolean) {
  return z.custom<T[]>((v) => Array.isArray(v) && v.every(item));
}

/** One issue's life as the durable log tells it. */
export const taskTimelineSchema = z.object({
  issue: z.number().int(),
  task_id: z.string(),
  /** Ticks of the task's own events (saga_id `tick:<n>`), ascending; never inferred from order. */
  ticks: listOf<number>(Number.isSafeInteger),
  planned: z.boolean(),
  dispatches: z.number().int(),
  /** Watchdog observations (the runner has no heartbeat record). */
  progress: z.number().int(),
  last_progress_at: z.string().nullable(),
  /** completed | failed | compensated, from the last terminal event. */
  terminal: z.enum(Object.values(TERMINAL_WORD)).nullable(),
  /** The runner's status word: merged, open, failed, timeout, stale, no_pr, ... */
  status: z.string().nullable(),
  critic_verdicts: listOf<string>((v) => typeof v === "string"),
  pr_url: z.string().nullable(),
  pr_merged: z.boolean(),
  merge_blocked: z.boolean(),
  worktree_reaped: z.boolean(),
  first_sequence: z.number().int(),
  last_sequence: z.number().int(),
  first_at: z.string(),
  last_at: z.string(),
});
export type TaskTimeline = z.infer<typeof taskTimelineSchema>;

/**
 * The version of the fold's rules. A stored projection folded by other rules (an earlier
 * release) is rebuilt from sequence 0 instead of being caught up on top.
 */
export const TIMELINE_RULES = 2;

export const loopTimelineSchema = z.object({
  /** Absent in projections stored before the rules were versioned: those were version 1. */
  rules: z.number().int().default(1),
  ticks_started: z.number().int(),
  ticks_completed: z.number().int(),
  last_tick: z.number().int().nullable(),
  halts: z.array(
    z.object({
      reason: z.string(),
      tick: z.number().int().nullable(),
      sequence: z.number().int(),
      at: z.string(),
    }),
  ),
  last_sequence: z.number().int(),
});
export type LoopTimeline = z.infer<typeof loopTimelineSchema>;

export interface Timelines {
  tasks: Map<number, TaskTimeline>;
  loop: LoopTimeline;
}

export type Halt = LoopTimeline["halts"][number];

/**
 * Timelines read piece by piece: the loop's counts, its halts and the tasks in issue order,
 * without needing all of them in memory at once (a stored projection streams its rows).
 */
export interface TimelineSet {
  loop: Omit<LoopTimeline, "halts">;
  /** The loop's halts, in sequence order. */
  halts(): Iterable<Halt>;
  /** Every task, in issue order. */
  tasks(): Iterable<TaskTimeline>;
  task(issue: number): TaskTimeline | undefined;
}

/** Timelines already in memory as a TimelineSet. */
export function timelineSet(t: Timelines): TimelineSet {
  const { halts, ...loop } = t.loop;
  return {
    loop,
    halts: () => halts,
    tasks: () => [...t.tasks.values()].sort((a, b) => a.issue - b.issue),
    task: (issue) => t.tasks.get(issue),
  };
}

/** The set's loop whole, halts in it (fields in the schema's order). */
export function loopOf(set: TimelineSet): LoopTimeline {
  const { rules, ticks_started, ticks_completed, last_tick, last_sequence } = set.loop;
  const halts = [...set.halts()];
  return { rules, ticks_started, ticks_completed, last_tick, halts, last_sequence };
}

export function emptyTimelines(): Timelines {
  return {
    tasks: new Map(),
    loop: {
      rules: TIMELINE_RULES,
      ticks_started: 0,
      ticks_completed: 0,
      last_tick: null,
      halts: [],
      last_sequence: 0,
    },
  };
}

/**
 * The events whose payload `applyEvent` reads: those of the kinds its switch reads a field of,
 * and those whose issue does not come from their `task_id` (`issueOf`).
 */
export const FOLD_PAYLOADS: FoldPayloads = {
  kinds: [
    "loop.halted",
    "task.completed",
    "task.failed",
    "task.compensated",
    "critique.issued",
    "pr.opened",
    "pr.merged",
  ],
  taskPrefix: "issue:",
  taskIdServes: (id) => numberFrom(id, "issue:") !== null,
};

/** The event's issue: its `task_id` (`issue:<n>`), else an integer `issue` in its payload. */
export function issueOf(e: FoldEvent): number | null {
  const fromTask = numberFrom(e.task_id, FOLD_PAYLOADS.taskPrefix);
  if (fromTask !== null) return fromTask;
  const n = e.payload.issue;
  return typeof n === "number" && Number.isInteger(n) ? n : null;
}

function numberFrom(id: string | null, prefix: string): number | null {
  if (id === null || !id.startsWith(prefix)) return null;
  // Up to 15 digits (every event's case) are read in place, without a substring for each.
  const end = id.length;
  let i = prefix.length;
  if (end > i && end - i <= 15) {
    let digits = 0;
    for (; i < end; i++) {
      const d = id.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      digits = digits * 10 + d;
    }
    if (i === end) return digits;
  }
  const n = Number(id.slice(prefix.length));
  return Number.isInteger(n) ? n : null;
}

/**
 * Folds one event into the timelines; returns the issue it touched (if any). Pure apart from
 * mutating `t`, so a from-scratch replay and an incremental one agree by construction.
 */
export function applyEvent(t: Timelines, e: FoldEvent): number | null {
  t.loop.last_sequence = e.sequence;
  const tick = numberFrom(e.saga_id, "tick:");
  if (e.kind === "tick.started") {
    t.loop.ticks_started++;
    if (tick !== null) t.loop.last_tick = tick;
  } else if (e.kind === "tick.completed") {
    t.loop.ticks_completed++;
  } else if (e.kind === "loop.halted") {
    const reason = typeof e.payload.reason === "string" ? e.payload.reason : "unknown";
    t.loop.halts.push({ reason, tick, sequence: e.sequence, at: e.occurred_at });
  }
  const issue = issueOf(e);
  if (issue === null) return null;
  const task = taskFor(t, issue, e);
  // Only an event's own tick counts. Attributing a tick-less event (watchdog, critic) to the
  // tick in progress made the timeline depend on the order events landed in (a backfill after
  // a crash interleaves them differently), so `ticks` is the set of the task's own ticks.
  if (tick !== null) addTick(task.ticks, tick);
  task.last_sequence = e.sequence;
  task.last_at = e.occurred_at;
  const p = e.payload;
  switch (e.kind) {
    case "task.planned":
      task.planned = true;
      break;
    case "task.dispatched":
      task.dispatches++;
      break;
    case "task.heartbeat":
      task.progress++;
      task.last_progress_at = e.occurred_at;
      break;
    case "task.completed":
    case "task.failed":
    case "task.compensated":
      task.terminal = TERMINAL_WORD[e.kind];
      task.status = typeof p.status === "string" ? p.status : task.terminal;
      break;
    case "critique.issued":
      task.critic_verdicts.push(verdictOf(p));
      break;
    case "pr.opened":
    case "pr.merged": {
      const url = p.pr_url ?? p.pr;
      if (typeof url === "string" || typeof url === "number") task.pr_url = String(url);
      if (e.kind === "pr.merged") task.pr_merged = true;
      break;
    }
    case "merge.blocked":
      task.merge_blocked = true;
      break;
    case "worktree.reaped":
      task.worktree_reaped = true;
      break;
  }
  return issue;
}

/** Adds `tick` to ascending, distinct `ticks` where it belongs (mostly at the end), once. */
function addTick(ticks: number[], tick: number): void {
  let lo = 0;
  let hi = ticks.length;
  if (hi === 0 || ticks[hi - 1]! < tick) {
    ticks.push(tick);
    return;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ticks[mid]! < tick) lo = mid + 1;
    else hi = mid;
  }
  if (ticks[lo] !== tick) ticks.splice(lo, 0, tick);
}

function verdictOf(p: Record<string, unknown>): string {
  if (typeof p.verdict === "string") return p.verdict;
  const kind = typeof p.legacy_kind === "string" ? p.legacy_kind : "";
  return kind.startsWith("critic_verdict_") ? kind.slice("critic_verdict_".length) : "unknown";
}

function taskFor(t: Timelines, issue: number, e: FoldEvent): TaskTimeline {
  let task = t.tasks.get(issue);
  if (!task) {
    task = {
      issue,
      task_id: `issue:${issue}`,
      ticks: [],
      planned: false,
      dispatches: 0,
      progress: 0,
      last_progress_at: null,
      terminal: null,
      status: null,
      critic_verdicts: [],
      pr_url: null,
      pr_merged: false,
      merge_blocked: false,
      worktree_reaped: false,
      first_sequence: e.sequence,
      last_sequence: e.sequence,
      first_at: e.occurred_at,
      last_at: e.occurred_at,
    };
    t.tasks.set(issue, task);
  }
  return task;
}
