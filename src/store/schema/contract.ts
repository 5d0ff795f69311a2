import type { Migration } from "../migration.ts";

/** The forge-loop contract: `events` (plus our chain columns) and `projection_cursors`. */
export const migration1: Migration = {
  version: 1,
  name: "contract tables with hash chain",
  sql: `
      CREATE TABLE IF NOT EXISTS events (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        occurred_at TEXT NOT NULL,
        task_id TEXT,
        saga_id TEXT,
        causal_event_id TEXT,
        causal_sequence INTEGER,
        idempotency_key TEXT UNIQUE,
        prev_hash TEXT NOT NULL,
        event_hash TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_task_id ON events(task_id, sequence);
      CREATE TABLE IF NOT EXISTS projection_cursors (
        projection_name TEXT PRIMARY KEY,
        sequence INTEGER NOT NULL
      );
    `,
};

/** The contract tables' statements (the chained insert is built from the column list). */
export const LATEST_SEQUENCE = "SELECT MAX(sequence) AS s FROM events";
export const EVENT_AT = "SELECT * FROM events WHERE sequence = ?";
export const EVENT_BY_KEY = "SELECT * FROM events WHERE idempotency_key = ?";
export const EVENT_BY_ID = "SELECT * FROM events WHERE event_id = ?";
export const EVENT_RANGE =
  "SELECT COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at FROM events";
export const EVENTS_BY_KIND =
  "SELECT kind, COUNT(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind";

export const CURSOR_GET = "SELECT sequence FROM projection_cursors WHERE projection_name = ?";
export const CURSOR_UPSERT = `INSERT INTO projection_cursors (projection_name, sequence) VALUES (?, ?)
  ON CONFLICT(projection_name) DO UPDATE SET sequence = excluded.sequence`;
export const CURSOR_DELETE = "DELETE FROM projection_cursors WHERE projection_name = ?";
export const CURSOR_LIST =
  "SELECT projection_name, sequence FROM projection_cursors ORDER BY projection_name";
