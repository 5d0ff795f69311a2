import { z } from "zod";
import { EVENT_COLUMNS, type EventRow, eventRowSchema } from "./event-columns.ts";

/** One row of `events`, as the API hands it out: the contract's columns, plus `payload` parsed. */
export const storedEventSchema = eventRowSchema.extend({
  payload: z.record(z.string(), z.unknown()),
});
export type StoredEvent = z.infer<typeof storedEventSchema>;

/** A stored event's keys in order: the row's columns, `payload` after `kind`. */
export const STORED_EVENT_KEYS: readonly (keyof StoredEvent)[] = EVENT_COLUMNS.flatMap((c) =>
  c === "kind" ? [c, "payload" as const] : [c],
);

/**
 * A stored event from its row and its parsed payload. Compiled from STORED_EVENT_KEYS into
 * one object literal: every event read goes through here, and a rest-spread copy of the row
 * cost more than reading it.
 */
export const storedEvent = new Function(
  "row",
  "payload",
  `return { ${STORED_EVENT_KEYS.map((k) => (k === "payload" ? "payload" : `${k}: row.${k}`)).join(", ")} };`,
) as (row: EventRow, payload: Record<string, unknown>) => StoredEvent;

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
