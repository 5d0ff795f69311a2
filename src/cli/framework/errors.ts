import { type ErrorCode, EventLogError } from "../../errors.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** "You asked wrongly": a bad command, option or value. Exits 2. */
export function usageError(message: string): EventLogError {
  return new EventLogError("usage", message);
}

/** The codes that mean "you asked wrongly": bad arguments, bad input, not a database. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "usage",
  "config_invalid",
  "db_not_a_database",
  "input_invalid",
  "malformed_line",
  "unknown_kind",
  "invalid_event",
  "cursor_backwards",
  "cursor_ahead",
  "cursor_invalid",
  "fmail_invalid_name",
]);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILED;
}

/** The EXIT CODES section of every --help; a command may say what 1 means for it. */
export const EXIT_CODE_HELP: readonly [number, string][] = [
  [EXIT_OK, "ok"],
  [
    EXIT_FAILED,
    "check failed or not found: verify found a problem; no such database, cursor or file;" +
      " the database is locked, corrupt or unreadable",
  ],
  [
    EXIT_USAGE,
    "usage or input error: unknown command or option, bad value, not a SQLite database," +
      " malformed import line",
  ],
];
