/**
 * Forward-only migrations; `PRAGMA user_version` holds the number applied. Migration N takes
 * a database from version N-1 to N. Never edit a shipped migration: add the next one.
 * `events` and `projection_cursors` are the forge-loop contract and must keep its columns;
 * our extensions are the chain columns and separate tables.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
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
  },
  {
    version: 2,
    name: "quarantine for legacy lines that could not be mirrored",
    sql: `
      CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        line_number INTEGER,
        byte_offset INTEGER,
        raw TEXT NOT NULL,
        raw_digest TEXT NOT NULL,
        reason TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        UNIQUE (source, line_number, raw_digest)
      );
    `,
  },
  {
    version: 3,
    name: "task timeline projection state",
    sql: `
      CREATE TABLE IF NOT EXISTS timeline_tasks (
        issue INTEGER PRIMARY KEY,
        state_json TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS timeline_loop (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "follower positions in legacy JSONL files",
    sql: `
      CREATE TABLE IF NOT EXISTS follow_positions (
        source TEXT PRIMARY KEY,
        dev TEXT NOT NULL,
        ino TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        fingerprint_length INTEGER NOT NULL,
        byte_offset INTEGER NOT NULL,
        line_number INTEGER NOT NULL,
        reading TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
