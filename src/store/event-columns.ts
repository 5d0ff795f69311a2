import { z } from "zod";
import { eventKindSchema } from "./kinds.ts";

/**
 * The `events` table's columns, in table order: the one definition that the insert, the row
 * reader, the hash chain, the worker transport, verify and import are all derived from.
 */
export const EVENT_ID_PATTERN = /^[0-9a-f]{32}$/;

export const eventRowSchema = z.object({
  sequence: z.number().int().positive(),
  event_id: z.string().regex(EVENT_ID_PATTERN, "must be 32 lowercase hex characters"),
  kind: eventKindSchema,
  payload_json: z.string(),
  schema_version: z.number().int(),
  occurred_at: z.string().min(1),
  task_id: z.string().nullable(),
  saga_id: z.string().nullable(),
  causal_event_id: z.string().nullable(),
  causal_sequence: z.number().int().nullable(),
  idempotency_key: z.string().min(1).nullable(),
  /** NULL on a row an upstream writer without this chain stored (nullable since schema 6). */
  prev_hash: z.string().nullable(),
  event_hash: z.string().nullable(),
});
export type EventRow = z.infer<typeof eventRowSchema>;
export type EventColumn = keyof EventRow;

export const EVENT_COLUMNS = Object.keys(eventRowSchema.shape) as EventColumn[];

/** Given by the chain, not by the event: its place and its hashes. */
const CHAIN_POSITION = ["sequence", "prev_hash", "event_hash"] as const satisfies EventColumn[];
type ChainPosition = (typeof CHAIN_POSITION)[number];

/** The columns an event has before it is chained, in table order. */
export type EncodedColumn = Exclude<EventColumn, ChainPosition>;
export const ENCODED_COLUMNS = EVENT_COLUMNS.filter(
  (c): c is EncodedColumn => !(CHAIN_POSITION as readonly string[]).includes(c),
);

/** The hashed fields after `prev_hash`, in the chain input's order. */
export const CHAIN_COLUMNS = [
  "event_id",
  "kind",
  "payload_json",
  "schema_version",
  "occurred_at",
  "task_id",
  "saga_id",
  "idempotency_key",
] as const satisfies readonly EncodedColumn[];
export type ChainColumn = (typeof CHAIN_COLUMNS)[number];

function unwrapped(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodNullable ? (schema.unwrap() as z.ZodType) : schema;
}

/** Columns that hold integers (drivers may hand them back as bigint). */
export const INTEGER_COLUMNS: ReadonlySet<EventColumn> = new Set(
  EVENT_COLUMNS.filter((c) => unwrapped(eventRowSchema.shape[c]) instanceof z.ZodNumber),
);
/** Columns that may be NULL. */
export const NULLABLE_COLUMNS: ReadonlySet<EventColumn> = new Set(
  EVENT_COLUMNS.filter((c) => eventRowSchema.shape[c] instanceof z.ZodNullable),
);

/**
 * A row as a driver returns it, with integers as numbers and absent values as null. Compiled
 * from EVENT_COLUMNS into one object literal (every event read goes through here; a loop
 * setting computed keys builds each row the slow way).
 */
export const readEventRow = new Function(
  "row",
  `return { ${EVENT_COLUMNS.map((c) =>
    INTEGER_COLUMNS.has(c)
      ? `${c}: row.${c} == null ? null : Number(row.${c})`
      : `${c}: row.${c} ?? null`,
  ).join(", ")} };`,
) as (row: Record<string, unknown>) => EventRow;

/**
 * The first column of a row read back whose value has the wrong type (text where an integer
 * belongs, a blob, NULL in a NOT NULL column), as `[column, value]`; undefined when all fit.
 * A row damaged on disk or written by another tool reads like that.
 */
export function mistypedColumn(row: EventRow): [EventColumn, unknown] | undefined {
  for (const c of EVENT_COLUMNS) {
    const v: unknown = row[c];
    if (v === null) {
      if (!NULLABLE_COLUMNS.has(c)) return [c, v];
    } else if (INTEGER_COLUMNS.has(c) ? !Number.isSafeInteger(v) : typeof v !== "string") {
      return [c, v];
    }
  }
  return undefined;
}

/** What makes a re-appended key the same event (a duplicate) rather than a conflict. */
export type EventContent = Pick<EventRow, "kind" | "payload_json" | "task_id" | "saga_id">;

export function sameEventContent(a: EventContent, b: EventContent): boolean {
  return (
    a.kind === b.kind &&
    a.payload_json === b.payload_json &&
    a.task_id === b.task_id &&
    a.saga_id === b.saga_id
  );
}
