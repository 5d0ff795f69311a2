import { z } from "zod";
import { eventKindSchema } from "./kinds.ts";

/** One row of `events`, as the API hands it out. Field names follow the contract's columns. */
export const storedEventSchema = z.object({
  sequence: z.number().int().positive(),
  event_id: z.string().regex(/^[0-9a-f]{32}$/),
  kind: eventKindSchema,
  payload: z.record(z.string(), z.unknown()),
  payload_json: z.string(),
  schema_version: z.number().int(),
  occurred_at: z.string(),
  task_id: z.string().nullable(),
  saga_id: z.string().nullable(),
  causal_event_id: z.string().nullable(),
  causal_sequence: z.number().int().nullable(),
  idempotency_key: z.string().nullable(),
  prev_hash: z.string(),
  event_hash: z.string(),
});
export type StoredEvent = z.infer<typeof storedEventSchema>;

export const appendOptionsSchema = z.object({
  taskId: z.string().nullish(),
  sagaId: z.string().nullish(),
  idempotencyKey: z.string().min(1).nullish(),
  occurredAt: z.union([z.string(), z.date()]).nullish(),
  causalEventId: z.string().nullish(),
  causalSequence: z.number().int().nullish(),
  /** Keep an existing identity (import/export); default: a new uuid4 hex. */
  eventId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .nullish(),
});
export type AppendOptions = z.infer<typeof appendOptionsSchema>;

export interface AppendInput extends AppendOptions {
  kind: string;
  payload: Record<string, unknown>;
}

export type AppendOutcome = "appended" | "duplicate" | "conflict";

/** `event` is the stored event: the new one, or for duplicate/conflict the original. */
export interface AppendResult {
  outcome: AppendOutcome;
  event: StoredEvent;
}
