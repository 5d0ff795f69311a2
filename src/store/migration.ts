import type { SqlDriver } from "./driver.ts";

/**
 * One forward-only schema step; `PRAGMA user_version` holds the number applied. Migration N
 * takes a database from version N-1 to N. A shipped migration is never edited: add the next.
 * Each lives in `schema/` beside the statements of the tables it creates. `sql` runs first,
 * then `apply` if there is one: a step SQL alone cannot say (a table rebuild that keeps the
 * table's own definition). Both run inside the migration's write transaction.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  apply?: (db: SqlDriver) => void;
}

/** The migrations of one kind of database, in order: the event log's, or the timeline cache's. */
export interface Schema {
  readonly migrations: readonly Migration[];
}

/** The version of a schema's last migration. */
export const latestVersion = (schema: Schema): number => schema.migrations.at(-1)?.version ?? 0;
