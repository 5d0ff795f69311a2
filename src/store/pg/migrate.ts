import { EventLogError } from "../../errors.ts";
import { type PgQuery, type PgSql, query } from "./client.ts";
import {
  CREATE_SCHEMA_TABLE,
  LATEST_PG_SCHEMA_VERSION,
  PG_MIGRATIONS,
  SCHEMA_TABLE,
} from "./migrations.ts";
import type { PgTarget } from "./target.ts";

/** Serialises first opens and migrations of one schema (advisory locks are database-wide). */
const MIGRATE_LOCK =
  "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.forge_eventlog.migrate'))";

async function tablesHere(q: PgQuery): Promise<Set<string>> {
  const rows = await query<{ table_name: string }>(
    q,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
  );
  return new Set(rows.map((r) => r.table_name));
}

/** The applied schema version; 0 when none of our tables exist. Refuses what is not ours. */
async function appliedVersion(q: PgQuery, target: PgTarget): Promise<number> {
  const tables = await tablesHere(q);
  if (!tables.has(SCHEMA_TABLE)) {
    if (tables.has("events") || tables.has("projection_cursors")) {
      throw new EventLogError(
        "pg_not_ours",
        `${target.label} already has an events table that forge-eventlog did not create (no ${SCHEMA_TABLE} table); nothing was written: point --to/--db at another database, or a schema of its own with ?schema=<name>`,
      );
    }
    return 0;
  }
  const [row] = await query<{ v: number | null }>(
    q,
    `SELECT MAX(version) AS v FROM ${SCHEMA_TABLE}`,
  );
  const version = Number(row?.v ?? 0);
  if (version > LATEST_PG_SCHEMA_VERSION) {
    throw new EventLogError(
      "db_schema_too_new",
      `${target.label} has forge-eventlog schema ${version}, newer than this release knows (${LATEST_PG_SCHEMA_VERSION}); nothing was written: upgrade forge-eventlog`,
    );
  }
  return version;
}

/** Brings the schema to the latest version in one transaction; returns the version. */
export async function migratePg(sql: PgSql, target: PgTarget): Promise<number> {
  if (target.schema) {
    const [exists] = await query(sql, "SELECT 1 FROM pg_namespace WHERE nspname = $1", [
      target.schema,
    ]);
    if (!exists) await query(sql, `CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
  }
  return sql.begin(async (tx) => {
    await query(tx, MIGRATE_LOCK);
    const from = await appliedVersion(tx, target);
    if (from === LATEST_PG_SCHEMA_VERSION) return from;
    if (from === 0) await query(tx, CREATE_SCHEMA_TABLE);
    for (const m of PG_MIGRATIONS) {
      if (m.version <= from) continue;
      await tx.unsafe(m.sql);
      await query(tx, `INSERT INTO ${SCHEMA_TABLE} (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
    }
    return LATEST_PG_SCHEMA_VERSION;
  });
}

/** For a reader: the version, without creating or changing anything. */
export async function checkPgSchema(sql: PgSql, target: PgTarget): Promise<number> {
  const version = await appliedVersion(sql, target);
  if (version === 0) {
    throw new EventLogError(
      "db_not_found",
      `${target.label} holds no forge-eventlog log yet; ship one there first (forge-eventlog ship --to ${target.label})`,
    );
  }
  return version;
}
