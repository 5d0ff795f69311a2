import { z } from "zod";
import { type EventRow, eventRowSchema } from "./event-columns.ts";

/** One row of `events`, as the API hands it out: the contract's columns, plus `payload` parsed. */
export const storedEventSchema = eventRowSchema.extend({
  payload: z.record(z.string(), z.unknown()),
});
export type StoredEvent = z.infer<typeof storedEventSchema>;

/** A stored event from its row and its parsed payload (key order: `payload` after `kind`). */
export function storedEvent(row: EventRow, payload: Record<string, unknown>): StoredEvent {
  const { sequence, event_id, kind, ...rest } = row;
  return { sequence, event_id, kind, payload, ...rest };
}

const appendOptionsSchema = z.object({
  taskId: z.string().nullish(),
  sagaId: z.string().nullish(),
  idempotencyKey: z.string().min(1).nullish(),
  occurredAt: z.union([z.string(), z.date()]).nullish(),
  causalEventId: z.string().nullish(),
  causalSequence: z.number().int().nullish(),
  /** Keep an existing identity (import/export); default: a new uuid4 hex. */
  eventId: eventRowSchema.shape.event_id.nullish(),
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
