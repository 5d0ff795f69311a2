import { EventLogError } from "../errors.ts";
import { type DriverModule, SQLITE } from "./driver.ts";

/** Turns a driver error into the one EventLogError that names the file and the fix. */
export function translateError(
  driver: DriverModule,
  error: unknown,
  path: string,
  doing: string,
  busyTimeoutMs: number,
): EventLogError {
  if (error instanceof EventLogError) return error;
  if (!driver.isDriverError(error) && driver.sqliteCode(error) === undefined) {
    return new EventLogError("db_error", `${doing} in ${path} failed: ${String(error)}`, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  const code = driver.sqliteCode(error);
  const cause = { cause: error };
  switch (code) {
    case SQLITE.BUSY:
    case SQLITE.LOCKED:
      return new EventLogError(
        "db_locked",
        `database ${path} stayed locked by another connection for over ${busyTimeoutMs} ms while ${doing}; retry, or wait longer: --busy-timeout <ms> on the command line, busyTimeoutMs in the config`,
        cause,
      );
    case SQLITE.NOTADB:
      return new EventLogError(
        "db_not_a_database",
        `${path} is not a SQLite database (${detail}); check the --db path`,
        cause,
      );
    case SQLITE.CORRUPT:
      return corruptError(path, detail, error);
    case SQLITE.READONLY:
      return new EventLogError(
        "db_readonly",
        `cannot write ${path}: the file or its directory is read-only (${detail}); fix the permissions or choose another database path`,
        cause,
      );
    case SQLITE.CANTOPEN:
      return new EventLogError(
        "db_cantopen",
        `cannot open ${path} (${detail}); make sure its directory exists and is writable`,
        cause,
      );
    case SQLITE.FULL:
      return new EventLogError(
        "db_full",
        `disk full while ${doing} in ${path}; nothing of this write was stored: free space and retry`,
        cause,
      );
    case SQLITE.IOERR:
      return new EventLogError(
        "db_io",
        `I/O error while ${doing} in ${path} (${detail}); check the disk and retry`,
        cause,
      );
    default:
      return new EventLogError("db_error", `${doing} in ${path} failed: ${detail}`, cause);
  }
}

/** The one db_corrupt line: the file, what SQLite (or a damaged value) said, and the fix. */
export function corruptError(path: string, detail: string, cause?: unknown): EventLogError {
  return new EventLogError(
    "db_corrupt",
    `database ${path} is corrupt (${detail}); restore it from a backup or rebuild it from the legacy JSONL with 'forge-eventlog mirror'`,
    cause === undefined ? undefined : { cause },
  );
}

/** What a damaged column holds, for a message: `an integer (12)`, `a blob of 3 bytes`. */
export function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `a blob of ${value.length} bytes`;
  if (typeof value === "number" || typeof value === "bigint") return `a number (${value})`;
  if (value === null || value === undefined) return "NULL";
  return `a ${typeof value}`;
}
