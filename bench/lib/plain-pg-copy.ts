/**
 * The PostgreSQL baseline: what a careful copy without forge-eventlog would do. It reads the
 * local log's rows with plain bun:sqlite in pages and inserts each page with one batched
 * `INSERT ... SELECT FROM json_to_recordset ... ON CONFLICT DO NOTHING` into an equivalent
 * table (the PostgreSQL store's own first migration: same columns, keys and indexes), keeping
 * the local sequence and hashes: no lock, no head read, no re-chaining, no cursor.
 * As a program: `bun plain-pg-copy.ts <local.db> <url> <schema>` (for the 3-at-once run).
 */
import { Database } from "bun:sqlite";
import { PG_EVENT_COLUMNS } from "../../src/store/pg/columns.ts";
import { pgMigration1 } from "../../src/store/pg/schema/v1.ts";

type Sql = InstanceType<typeof Bun.SQL>;

export function plainClient(url: string, schema: string): Sql {
  return new Bun.SQL(url, { max: 1, connection: { search_path: schema } });
}

/** Creates the equivalent table in `schema` (which must exist and be empty). */
export async function createPlainTable(sql: Sql): Promise<void> {
  await sql.unsafe(pgMigration1.sql);
}

const INSERT = `INSERT INTO events (${PG_EVENT_COLUMNS.join(", ")})
  SELECT ${PG_EVENT_COLUMNS.join(", ")} FROM json_to_recordset(($1::text)::json)
  AS r(${PG_EVENT_COLUMNS.map((c) => `${c} ${/sequence|schema_version/.test(c) ? "bigint" : "text"}`).join(", ")})
  ON CONFLICT DO NOTHING`;

/** Copies every row of `localDb` (sequence offset by `offset`), `batch` rows a statement. */
export async function plainCopy(
  sql: Sql,
  localDb: string,
  source: string,
  batch: number,
  offset = 0,
): Promise<number> {
  const db = new Database(localDb, { readonly: true });
  try {
    const page = db.query(
      `SELECT * FROM events WHERE sequence > ? ORDER BY sequence LIMIT ${batch}`,
    );
    let after = 0;
    let copied = 0;
    for (;;) {
      const rows = page.all(after) as Record<string, unknown>[];
      if (rows.length === 0) return copied;
      const out = rows.map((r) => ({
        ...r,
        sequence: Number(r.sequence) + offset,
        source,
        runner_id: null,
        host_id: null,
        source_sequence: r.sequence,
      }));
      await sql.unsafe(INSERT, [JSON.stringify(out)]);
      after = Number(rows[rows.length - 1]?.sequence);
      copied += rows.length;
    }
  } finally {
    db.close();
  }
}

if (import.meta.main) {
  const [localDb, url, schema, offset] = process.argv.slice(2) as [string, string, string, string];
  const sql = plainClient(url, schema);
  await plainCopy(sql, localDb, localDb, 2000, Number(offset));
  await sql.close();
}
