/**
 * The PostgreSQL server the tests use: FORGE_EVENTLOG_PG_URL, default
 * postgres://root@127.0.0.1:5432/test. Each test gets a fresh schema of its own (dropped at
 * the end of the run), so no other data is ever touched. No server is a failure, never a skip.
 */
import { randomBytes } from "node:crypto";

export const PG_URL = process.env.FORGE_EVENTLOG_PG_URL ?? "postgres://root@127.0.0.1:5432/test";

const made: string[] = [];
let admin: InstanceType<typeof Bun.SQL> | undefined;

async function server(): Promise<InstanceType<typeof Bun.SQL>> {
  if (admin) return admin;
  const sql = new Bun.SQL(PG_URL, { max: 1, connectionTimeout: 5 });
  try {
    await sql`SELECT 1`;
  } catch (e) {
    await sql.close().catch(() => {});
    throw new Error(
      `no PostgreSQL answers at ${PG_URL} (${(e as Error).message}): start one with 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', or set FORGE_EVENTLOG_PG_URL`,
    );
  }
  admin = sql;
  return sql;
}

/** A new, empty schema; its URL carries `?schema=` so every client (CLI included) stays in it. */
export async function freshSchema(tag = "t"): Promise<{ schema: string; url: string }> {
  const sql = await server();
  const schema = `fel_${tag}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  made.push(schema);
  const u = new URL(PG_URL);
  u.searchParams.set("schema", schema);
  return { schema, url: u.toString() };
}

/** An admin query (outside any test schema unless it names one). */
export async function adminQuery<T = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await (await server()).unsafe(text, params)) as T[];
}

/** Drops every schema this process made. */
export async function dropSchemas(): Promise<void> {
  const sql = admin;
  if (!sql) return;
  for (const s of made.splice(0)) await sql.unsafe(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
}
