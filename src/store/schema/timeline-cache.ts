import type { Migration, Schema } from "../migration.ts";
import { TIMELINE_HALTS_TABLE, TIMELINE_LOOP_TABLE, TIMELINE_TASKS_TABLE } from "./timeline.ts";

/**
 * A timeline cache file: the timeline projection of one log that is not stored in the log
 * itself (a read-only file, another writer's database), and where it stands in that log: the
 * sequence it was folded up to and that event's id, which must still be there for it to hold.
 */
export const cacheMigration1: Migration = {
  version: 1,
  name: "timeline cache",
  sql: `${TIMELINE_TASKS_TABLE}${TIMELINE_LOOP_TABLE}${TIMELINE_HALTS_TABLE}
      CREATE TABLE IF NOT EXISTS cache_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        log TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        event_id TEXT
      );`,
};

export const TIMELINE_CACHE_SCHEMA: Schema = { migrations: [cacheMigration1] };

export const CACHE_POSITION_GET = "SELECT log, sequence, event_id FROM cache_position WHERE id = 1";
export const CACHE_POSITION_PUT = `INSERT INTO cache_position (id, log, sequence, event_id) VALUES (1, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET log = excluded.log, sequence = excluded.sequence, event_id = excluded.event_id`;
