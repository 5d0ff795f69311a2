import { EventLogError } from "../../errors.ts";

/** A PostgreSQL event log: where it is, and how to name it in messages (never its password). */
export interface PgTarget {
  /** The URL handed to the client, without our own `schema` parameter. */
  url: string;
  /** `postgres://user@host:port/db[?schema=s]`: for messages and the ship cursor's name. */
  label: string;
  host: string;
  port: number;
  database: string;
  /** The PostgreSQL schema holding the tables; undefined = the server's search_path. */
  schema: string | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim());
}

/**
 * Parses `postgres://user[:password]@host[:port]/database[?schema=name]`. `schema` is ours:
 * the tables live in that schema (created when missing) instead of the search_path's first.
 */
export function parsePgTarget(value: string, schema?: string): PgTarget {
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch (e) {
    throw new EventLogError(
      "usage",
      `${JSON.stringify(value)} is not a PostgreSQL URL; write postgres://user@host:5432/database`,
      { cause: e },
    );
  }
  if (!/^postgres(ql)?:$/.test(u.protocol) || u.hostname === "") {
    throw new EventLogError(
      "usage",
      `${JSON.stringify(value)} is not a PostgreSQL URL; write postgres://user@host:5432/database`,
    );
  }
  const chosen = schema ?? u.searchParams.get("schema") ?? undefined;
  if (chosen !== undefined && !SCHEMA_NAME.test(chosen)) {
    throw new EventLogError(
      "usage",
      `schema ${JSON.stringify(chosen)} in ${value} is not a plain PostgreSQL name (lowercase letters, digits, _)`,
    );
  }
  u.searchParams.delete("schema");
  const port = u.port === "" ? 5432 : Number(u.port);
  const database =
    decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username);
  const user = u.username === "" ? "" : `${decodeURIComponent(u.username)}@`;
  const label = `postgres://${user}${u.hostname}:${port}/${database}${chosen ? `?schema=${chosen}` : ""}`;
  return { url: u.toString(), label, host: u.hostname, port, database, schema: chosen };
}
