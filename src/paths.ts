/** Where things live when nobody says otherwise; relative paths resolve from the config's directory. */
export const DEFAULT_CONFIG_FILE = "forge-eventlog.config.json";
/** The Python runner's legacy JSONL stream, relative to the repository root. */
export const DEFAULT_JSONL = "docs/ops/loop-runner-events.jsonl";
/** The durable SQLite event log, relative to the repository root (forge-loop's own default). */
export const DEFAULT_DB = ".forge/events.db";

/** The environment variable naming the directory of forge-eventlog's caches. */
export const CACHE_DIR_ENV = "FORGE_EVENTLOG_CACHE_DIR";

/**
 * Where forge-eventlog keeps what it can rebuild (the timelines of logs it may not write to):
 * $FORGE_EVENTLOG_CACHE_DIR, else $XDG_CACHE_HOME/forge-eventlog, else ~/.cache/forge-eventlog;
 * undefined when none of them is set.
 */
export function cacheDir(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env[CACHE_DIR_ENV]) return env[CACHE_DIR_ENV];
  if (env.XDG_CACHE_HOME) return `${env.XDG_CACHE_HOME}/forge-eventlog`;
  if (env.HOME) return `${env.HOME}/.cache/forge-eventlog`;
  return undefined;
}
