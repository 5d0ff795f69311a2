/**
 * One forward-only schema step; `PRAGMA user_version` holds the number applied. Migration N
 * takes a database from version N-1 to N. A shipped migration is never edited: add the next.
 * Each lives in `schema/` beside the statements of the tables it creates.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
