import { z } from "zod";

/** The contract's event kinds; forge-loop's reader fails on any other value in `events.kind`. */
export const EVENT_KINDS = [
  "tick.started",
  "tick.completed",
  "task.planned",
  "task.dispatched",
  "task.heartbeat",
  "task.completed",
  "task.failed",
  "task.compensated",
  "worker.observation",
  "critique.issued",
  "pr.opened",
  "pr.merged",
  "merge.blocked",
  "worktree.reaped",
  "loop.halted",
  "vision.updated",
  "decision.made",
  "idea.rejected",
  "frontier.advanced",
  "memory.promoted",
  "memory.superseded",
  "compaction.performed",
] as const;

export const eventKindSchema = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof eventKindSchema>;

const KNOWN = new Set<string>(EVENT_KINDS);
export function isEventKind(kind: string): kind is EventKind {
  return KNOWN.has(kind);
}
