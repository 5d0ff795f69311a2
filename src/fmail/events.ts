import { z } from "zod";

/** The loop lifecycle events published on fmail, in the order docs/fmail.md lists them. */
export const LOOP_EVENT_NAMES = [
  "loop_start",
  "iteration_start",
  "iteration_complete",
  "loop_stop",
  "loop_error",
  "loop_cooldown",
] as const;

export type LoopEventName = (typeof LOOP_EVENT_NAMES)[number];

/** Emitted unless configured otherwise: everything but the noisy `iteration_start`. */
export const DEFAULT_EMIT: readonly LoopEventName[] = LOOP_EVENT_NAMES.filter(
  (e) => e !== "iteration_start",
);

const loop = z.string().min(1);
const iteration = z.number().int();
const triggerMsgId = z.string().nullable();

const loopStartEventSchema = z.object({
  event: z.literal("loop_start"),
  loop,
  pool: z.string().nullable(),
  profile: z.string().nullable(),
});

const iterationStartEventSchema = z.object({
  event: z.literal("iteration_start"),
  loop,
  iteration,
  trigger_msg_id: triggerMsgId,
});

const iterationCompleteEventSchema = z.object({
  event: z.literal("iteration_complete"),
  loop,
  iteration,
  /** 0 when no outcome of the tick failed, else 1. */
  exit_code: z.number().int(),
  /** tick_start → end of the tick; null when the start was not seen. */
  duration_ms: z.number().int().nonnegative().nullable(),
  trigger_msg_id: triggerMsgId,
  ledger_summary: z.string(),
});

const loopStopEventSchema = z.object({
  event: z.literal("loop_stop"),
  loop,
  /** The legacy record kind that stopped the loop. */
  reason: z.string(),
  total_iterations: z.number().int().nonnegative(),
});

const loopErrorEventSchema = z.object({
  event: z.literal("loop_error"),
  loop,
  error: z.string(),
  will_retry: z.boolean(),
});

const loopCooldownEventSchema = z.object({
  event: z.literal("loop_cooldown"),
  loop,
  profile: z.string().nullable(),
  /** RFC 3339 UTC; null for an open-ended pause. */
  until: z.string().nullable(),
  reason: z.string(),
});

export const loopEventSchema = z.discriminatedUnion("event", [
  loopStartEventSchema,
  iterationStartEventSchema,
  iterationCompleteEventSchema,
  loopStopEventSchema,
  loopErrorEventSchema,
  loopCooldownEventSchema,
]);

export type LoopEvent = z.infer<typeof loopEventSchema>;
