import type { Migration } from "../migration.ts";

/**
 * Events refused because their idempotency key was already stored with other content: the key,
 * the sequence holding it, what the refused event said, and where it came from when known.
 */
export const migration7: Migration = {
  version: 7,
  name: "conflicts: events refused because their key holds other content",
  sql: `
      CREATE TABLE IF NOT EXISTS conflicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL,
        existing_sequence INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        payload_digest TEXT NOT NULL,
        occurred_at TEXT,
        source TEXT,
        line_number INTEGER,
        recorded_at TEXT NOT NULL,
        UNIQUE (idempotency_key, kind, payload_digest)
      );
    `,
};

export const CONFLICT_INSERT = `INSERT OR IGNORE INTO conflicts
  (idempotency_key, existing_sequence, kind, payload_json, payload_digest, occurred_at, source,
   line_number, recorded_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
export const CONFLICT_LIST = `SELECT id, idempotency_key, existing_sequence, kind, payload_json,
  occurred_at, source, line_number, recorded_at FROM conflicts ORDER BY id LIMIT ?`;
export const CONFLICT_COUNT = "SELECT COUNT(*) AS n FROM conflicts";
/** Key lookups on the `events` key index, to recognise keys other writers (or releases) gave. */
export const KEY_EXISTS = "SELECT 1 AS ok FROM events WHERE idempotency_key = ?";
export const KEY_IN_RANGE =
  "SELECT 1 AS ok FROM events WHERE idempotency_key >= ? AND idempotency_key < ? LIMIT 1";
export const KEY_COUNT_IN_RANGE =
  "SELECT COUNT(*) AS n FROM events WHERE idempotency_key >= ? AND idempotency_key < ?";
export const KEYS_OF_TASK_KIND = `SELECT idempotency_key FROM events
  WHERE task_id = ? AND kind = ? AND idempotency_key >= ? AND idempotency_key < ?`;
