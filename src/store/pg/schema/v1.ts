import type { PgMigration } from "../migrations.ts";

/**
 * The contract tables with the same columns and encodings as the SQLite file (text times,
 * canonical payload_json text, the prev_hash/event_hash chain), plus nullable extension
 * columns saying where a shipped event came from. `sequence` has no default: it is assigned
 * under the append lock (append.ts), so it is gapless and in commit order.
 *
 * Idempotency keys are unique per source: two runners both keying "tick=7:issue=167" never
 * collide, and a row without a source (written here directly) keys in its own '' space.
 */
export const pgMigration1: PgMigration = {
  version: 1,
  name: "contract tables, chain, source columns",
  sql: `
    CREATE TABLE events (
      sequence BIGINT PRIMARY KEY,
      event_id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      payload_json TEXT NOT NULL,
      schema_version INTEGER NOT NULL,
      occurred_at TEXT NOT NULL,
      task_id TEXT,
      saga_id TEXT,
      causal_event_id TEXT,
      causal_sequence BIGINT,
      idempotency_key TEXT,
      prev_hash TEXT,
      event_hash TEXT,
      source TEXT,
      runner_id TEXT,
      host_id TEXT,
      source_sequence BIGINT
    );
    CREATE UNIQUE INDEX events_source_key ON events ((COALESCE(source, '')), idempotency_key)
      WHERE idempotency_key IS NOT NULL;
    CREATE INDEX events_task_id ON events (task_id, sequence);
    CREATE INDEX events_source ON events (source, source_sequence);
    CREATE TABLE projection_cursors (
      projection_name TEXT PRIMARY KEY,
      sequence BIGINT NOT NULL
    );
  `,
};
