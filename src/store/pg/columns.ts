import { type EventRow, eventRowSchema, INTEGER_COLUMNS } from "../event-columns.ts";

/** Where a shipped event came from: the extension columns (NULL on events written here). */
export interface EventOrigin {
  source: string | null;
  runner_id: string | null;
  host_id: string | null;
  /** The event's sequence in its source log. */
  source_sequence: number | null;
}

export type PgEventRow = EventRow & EventOrigin;

const ORIGIN_COLUMNS = ["source", "runner_id", "host_id", "source_sequence"] as const;

/** Every column of the PostgreSQL `events` table, in table order, with its type there. */
export const PG_EVENT_COLUMNS: readonly (keyof PgEventRow)[] = [
  ...(Object.keys(eventRowSchema.shape) as (keyof EventRow)[]),
  ...ORIGIN_COLUMNS,
];

function pgType(c: keyof PgEventRow): string {
  if (c === "source_sequence") return "bigint";
  return INTEGER_COLUMNS.has(c as keyof EventRow) ? "bigint" : "text";
}

/**
 * One statement that inserts a batch given as one JSON text parameter (json_to_recordset keeps
 * NULLs and any text exactly; one round trip per batch).
 */
export const INSERT_EVENTS = `INSERT INTO events (${PG_EVENT_COLUMNS.join(", ")})
  SELECT ${PG_EVENT_COLUMNS.join(", ")} FROM json_to_recordset(($1::text)::json)
  AS r(${PG_EVENT_COLUMNS.map((c) => `${c} ${pgType(c)}`).join(", ")})`;
