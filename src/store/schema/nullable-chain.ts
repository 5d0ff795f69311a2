import { EventLogError } from "../../errors.ts";
import type { SqlDriver } from "../driver.ts";
import type { Migration } from "../migration.ts";

/**
 * Makes `prev_hash` and `event_hash` nullable on an existing file. Migration 1 made them NOT
 * NULL, so an upstream writer that inserts only the contract's columns (the oldest variant,
 * and the chain_hash one) failed with `NOT NULL constraint failed: events.prev_hash`. SQLite
 * cannot drop a NOT NULL in place, so the table is rebuilt from its own definition (any column
 * another writer or migration added is kept), rows copied with their sequences, the
 * AUTOINCREMENT high-water mark in sqlite_sequence restored, and indexes and triggers
 * recreated; UNIQUE constraints are part of the definition. It all runs in the migration's
 * transaction, so a failure leaves the file as it was.
 */
export const migration6: Migration = {
  version: 6,
  name: "chain columns nullable, for upstream writers that insert only the contract columns",
  sql: "",
  apply: rebuildWithNullableChain,
};

const CHAIN_NOT_NULL = /(\b(?:prev_hash|event_hash)\b["`\]]?[^,]*?)\s+NOT\s+NULL\b/gi;
const TABLE_NAME =
  /^(\s*CREATE\s+TABLE\s+)(?:"events"|`events`|\[events\]|'events'|events)(?=\s*\()/i;
const REBUILT = "events_rebuilt";

function strictChainColumns(db: SqlDriver, table: string): string[] {
  return db
    .prepare(`SELECT name, "notnull" AS nn FROM pragma_table_info('${table}')`)
    .all<{ name: string; nn: number }>()
    .filter((c) => (c.name === "prev_hash" || c.name === "event_hash") && Number(c.nn) === 1)
    .map((c) => c.name);
}

function rebuildWithNullableChain(db: SqlDriver): void {
  if (strictChainColumns(db, "events").length === 0) return;
  const table = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    .get<{ sql: string }>()?.sql;
  const rebuilt = table?.replace(TABLE_NAME, `$1${REBUILT}`).replace(CHAIN_NOT_NULL, "$1");
  if (!table || rebuilt === undefined || !rebuilt.includes(REBUILT)) {
    throw new EventLogError(
      "db_error",
      "cannot make the chain columns nullable: the events table's definition is not one this migration can rewrite; export the log and import it into a new file",
    );
  }
  const dependents = db
    .prepare(
      "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY type, name",
    )
    .all<{ sql: string }>()
    .map((r) => r.sql);
  const highWater = db
    .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    .get<{ seq: number }>()?.seq;
  db.exec(rebuilt);
  if (strictChainColumns(db, REBUILT).length > 0) {
    throw new EventLogError(
      "db_error",
      "cannot make the chain columns nullable: their NOT NULL is written in a form this migration does not recognise; export the log and import it into a new file",
    );
  }
  db.exec(`INSERT INTO ${REBUILT} SELECT * FROM events`);
  db.exec("DROP TABLE events");
  db.exec(`ALTER TABLE ${REBUILT} RENAME TO events`);
  for (const sql of dependents) db.exec(sql);
  db.exec(`DELETE FROM sqlite_sequence WHERE name IN ('events', '${REBUILT}')`);
  if (highWater != null) {
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(highWater);
  }
}

/** The last row that carries an event_hash: our next row chains over unchained rows to it. */
export const CHAINED_HEAD =
  "SELECT event_hash FROM events WHERE event_hash IS NOT NULL ORDER BY sequence DESC LIMIT 1";
