/** Where things live when nobody says otherwise; relative paths resolve from the config's directory. */
export const DEFAULT_CONFIG_FILE = "forge-eventlog.config.json";
/** The Python runner's legacy JSONL stream, relative to the repository root. */
export const DEFAULT_JSONL = "docs/ops/loop-runner-events.jsonl";
/** The durable SQLite event log, relative to the repository root (forge-loop's own default). */
export const DEFAULT_DB = ".forge/events.db";
