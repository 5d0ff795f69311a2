import { EventLogError } from "../../errors.ts";
import type { PgTarget } from "./target.ts";

/**
 * The one file that touches the PostgreSQL client: Bun's built-in `Bun.SQL` (no dependency).
 * Deno and Node have no built-in client, so PostgreSQL commands need Bun.
 */
/** A query runner: the client itself, or a transaction's. */
export interface PgQuery {
  unsafe(text: string, params?: unknown[]): Promise<unknown>;
}

/** What is used of `Bun.SQL` (written out, so the package's types do not need Bun's). */
export interface PgSql extends PgQuery {
  begin<T>(fn: (tx: PgQuery) => Promise<T>): Promise<T>;
  close(options?: { timeout?: number }): Promise<void>;
}

type PgClientClass = new (url: string, options: Record<string, unknown>) => PgSql;

type Row = Record<string, unknown>;

export async function query<T extends Row = Row>(
  q: PgQuery,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await q.unsafe(text, params)) as T[];
}

/** Bun's SQL client; under Deno or Node, the one-line refusal naming the target. */
export function requireBun(target: PgTarget): { SQL: PgClientClass } {
  const bun = (globalThis as { Bun?: { SQL: PgClientClass } }).Bun;
  if (bun === undefined) {
    throw new EventLogError(
      "runtime_unsupported",
      `${target.label}: PostgreSQL commands need Bun (Deno and Node have no built-in PostgreSQL client); run the forge-eventlog binary or 'bun src/cli/main.ts'`,
    );
  }
  return bun;
}

export function connectPg(target: PgTarget): PgSql {
  const bun = requireBun(target);
  return new bun.SQL(target.url, {
    max: 1,
    idleTimeout: 0,
    connectionTimeout: 10,
    // One connection per store, its search_path set at connect (kept over a reconnect).
    connection: {
      // Plan each statement with the table's current size: a plan cached while the table was
      // small (stale statistics) would scan it whole for every batch once it is large.
      plan_cache_mode: "force_custom_plan",
      application_name: `forge-eventlog${target.schema ? `:${target.schema}` : ""}`,
      ...(target.schema ? { search_path: target.schema } : {}),
    },
    onclose: () => {},
  });
}

/** PostgreSQL's SQLSTATE of a server error, or undefined for anything else. */
export function sqlState(e: unknown): string | undefined {
  const errno = (e as { errno?: unknown } | null)?.errno;
  return typeof errno === "string" && /^[0-9A-Z]{5}$/.test(errno) ? errno : undefined;
}

/**
 * The client's own codes for a connection that broke under it (a backend terminated mid-query
 * shows up as any of these, and afterwards the client may refuse every query with "connection
 * must be a PostgresSQLConnection"): the client is dropped and a new one made.
 */
const LOST_CLIENT_CODES = new Set([
  "ERR_POSTGRES_CONNECTION_CLOSED",
  "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT",
  "ERR_POSTGRES_LIFETIME_TIMEOUT",
  "ERR_POSTGRES_EXPECTED_REQUEST",
  "ERR_CONNECTION_CLOSED",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/** The connection is gone or never came up: worth a retry once the server is back. */
export function isConnectionLost(e: unknown): boolean {
  if (e instanceof EventLogError) return e.code === "pg_unreachable";
  const code = (e as { code?: unknown } | null)?.code;
  const state = sqlState(e);
  return (
    (typeof code === "string" && LOST_CLIENT_CODES.has(code)) ||
    (e instanceof Error && e.message.includes("connection must be a PostgresSQLConnection")) ||
    (state !== undefined && (state.startsWith("08") || state === "57P01" || state === "57P03"))
  );
}

/** A client error as the one EventLogError that names the target and the fix. */
export function pgFailure(e: unknown, target: PgTarget, doing: string): EventLogError {
  if (e instanceof EventLogError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  const state = sqlState(e);
  const cause = { cause: e };
  if (state === "28P01" || state === "28000") {
    return new EventLogError(
      "pg_auth",
      `${target.label}: PostgreSQL refused the login (${detail}); check the user and password in the URL`,
      cause,
    );
  }
  if (state === "3D000") {
    return new EventLogError(
      "db_not_found",
      `${target.label}: ${detail}; create it (createdb ${target.database}) or fix the URL`,
      cause,
    );
  }
  if (isConnectionLost(e)) {
    return new EventLogError(
      "pg_unreachable",
      `cannot reach PostgreSQL at ${target.label} while ${doing} (${detail}); check the host and port, and that the server runs (pg_isready -h ${target.host} -p ${target.port})`,
      cause,
    );
  }
  return new EventLogError("pg_error", `${target.label}: ${doing} failed: ${detail}`, cause);
}
