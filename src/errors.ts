/**
 * The one error class of forge-eventlog. `code` is stable (scripts and tests match on it);
 * `message` names the thing that failed and the fix; a driver error is kept as `cause`.
 */
export const ERROR_CODES = [
  "config_invalid",
  "config_not_found",
  "db_not_found",
  "db_not_a_database",
  "db_corrupt",
  "db_locked",
  "db_readonly",
  "db_cantopen",
  "db_full",
  "db_io",
  "db_schema_too_new",
  "db_wal_missing",
  "db_error",
  "unknown_kind",
  "invalid_event",
  "cursor_backwards",
  "cursor_ahead",
  "cursor_invalid",
  "input_invalid",
  "malformed_line",
  "usage",
  "fmail_invalid_name",
  "fmail_too_large",
  "fmail_write_failed",
  "plugin_load_failed",
  "check_failed",
  "cursor_not_found",
  "import_conflict",
  "input_not_found",
  "strict_stop",
  "follow_conflict",
  "event_unreadable",
  "chain_broken",
  "pg_unreachable",
  "pg_auth",
  "pg_not_ours",
  "pg_error",
  "runtime_unsupported",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Failures that pass by themselves (another process lets go of the lock, space is freed, the
 * disk comes back): a writer that can wait keeps what it was writing and tries again.
 */
export const PASSING_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "db_locked",
  "db_full",
  "db_io",
]);

export class EventLogError extends Error {
  override readonly name = "EventLogError";
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isEventLogError(e: unknown, code?: ErrorCode): e is EventLogError {
  return e instanceof EventLogError && (code === undefined || e.code === code);
}

/** The readable text of anything thrown, for logs. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
