import { pgMigration1 } from "./schema/v1.ts";

/** One forward step of the PostgreSQL schema; a shipped one is never edited. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [pgMigration1];
export const LATEST_PG_SCHEMA_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;

/** Which schema versions are applied: one row per migration. */
export const SCHEMA_TABLE = "forge_eventlog_schema";
export const CREATE_SCHEMA_TABLE = `CREATE TABLE ${SCHEMA_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;
