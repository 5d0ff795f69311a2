import { checkCursorMove, checkCursorTarget } from "../cursor-rules.ts";
import type { CursorRow } from "../cursors.ts";
import { type PgQuery, type PgSql, query } from "./client.ts";
import { pgLatestSequence } from "./read.ts";

/** Projection cursors in PostgreSQL, with the same rules as the SQLite store's (cursor-rules.ts). */
export async function pgGetCursor(q: PgQuery, name: string): Promise<number> {
  const [row] = await query<{ sequence: string }>(
    q,
    "SELECT sequence FROM projection_cursors WHERE projection_name = $1",
    [name],
  );
  return Number(row?.sequence ?? 0);
}

export async function pgSetCursor(
  sql: PgSql,
  name: string,
  sequence: number,
  options: { rewind?: boolean } = {},
): Promise<void> {
  checkCursorTarget(name, sequence);
  await sql.begin(async (tx) => {
    await query(
      tx,
      "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.cursor.' || $1))",
      [name],
    );
    const current = await pgGetCursor(tx, name);
    const head = await pgLatestSequence(tx);
    checkCursorMove(name, { current, sequence, head, rewind: options.rewind });
    await query(
      tx,
      `INSERT INTO projection_cursors (projection_name, sequence) VALUES ($1, $2)
       ON CONFLICT (projection_name) DO UPDATE SET sequence = excluded.sequence`,
      [name, sequence],
    );
  });
}

export async function pgDeleteCursor(q: PgQuery, name: string): Promise<boolean> {
  const rows = await query(
    q,
    "DELETE FROM projection_cursors WHERE projection_name = $1 RETURNING projection_name",
    [name],
  );
  return rows.length > 0;
}

export async function pgListCursors(q: PgQuery): Promise<CursorRow[]> {
  const head = await pgLatestSequence(q);
  const rows = await query<{ projection_name: string; sequence: string }>(
    q,
    'SELECT projection_name, sequence FROM projection_cursors ORDER BY projection_name COLLATE "C"',
  );
  return rows.map((r) => {
    const sequence = Number(r.sequence);
    return { name: r.projection_name, sequence, lag: Math.max(0, head - sequence) };
  });
}
