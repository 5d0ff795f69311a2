import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { EventLogError } from "./errors.ts";
import { fmailEventsConfigSchema } from "./fmail/config.ts";
import { DEFAULT_CONFIG_FILE, DEFAULT_DB, DEFAULT_JSONL } from "./paths.ts";
import { isPostgresUrl } from "./store/pg/target.ts";

/** The plugin shipped with forge-eventlog, as named in `plugins`. */
export const BUILTIN_PLUGIN = "forge-eventlog";

/**
 * `forge-eventlog.config.json`. Relative paths resolve from the config file's directory.
 * Every field is documented in the README's config reference.
 */
export const configSchema = z.strictObject({
  /** The runner's legacy JSONL file; written exactly as before, mirroring on or off. */
  jsonl: z.string().trim().min(1).default(DEFAULT_JSONL),
  /**
   * The runner's own retention, now that the plugin writes the file: before a line would take
   * it past this many bytes, rotate `jsonl` → `.1` → ... → `.<jsonlKeep>`. 0 = never (an
   * outside rotation such as logrotate is followed either way).
   */
  jsonlRotateBytes: z.number().int().min(0).default(0),
  /** Rotated JSONL files kept (`.1` newest); `forge-eventlog mirror` reads `.1`-`.3`. */
  jsonlKeep: z.number().int().min(1).max(9).default(3),
  /** The durable SQLite event log. */
  db: z.string().trim().min(1).default(DEFAULT_DB),
  /** Mirror every milestone into `db` as well (opt-in). */
  mirror: z.boolean().default(false),
  /** `normal`: survives a crash of the process; `full`: also a power loss (slower). */
  durability: z.enum(["normal", "full"]).default("normal"),
  /** How long a write waits for another process's lock on `db`. */
  busyTimeoutMs: z.number().int().min(0).max(600_000).default(5000),
  /**
   * Write-behind: milestones are queued and committed together this often (one transaction
   * per flush). 0 = write-through, one commit per milestone. A crash loses at most the queue,
   * which the JSONL still holds (backfill with `forge-eventlog mirror`).
   */
  mirrorFlushMs: z.number().int().min(0).max(60_000).default(25),
  /** Flush at once when this many milestones are queued. */
  mirrorQueueMax: z.number().int().min(1).default(10_000),
  /**
   * Shared memory each of the plugin's worker threads (durable, fmail) takes milestones from,
   * rounded up to a power of two. When it is full the hook does not wait: the durable writer
   * reads those lines back from the JSONL; fmail counts the records it could not publish.
   */
  ringBytes: z
    .number()
    .int()
    .min(4096)
    .max(1 << 30)
    .default(4 << 20),
  /**
   * After the durable side fails: the longest wait between retries of a failed commit (the
   * first waits 50 ms, each next twice as long), and how long before reopening a database that
   * needed an operator (not a database, unusable path).
   */
  retryAfterMs: z.number().int().min(0).default(30_000),
  /**
   * How many milestones the durable writer keeps after failed commits (a lock held past the
   * busy timeout, a full disk) to retry them. Past it the oldest are dropped, counted
   * (`durableDropped`) and said with the ts range to backfill from the JSONL.
   */
  mirrorBacklogMax: z.number().int().min(1).default(100_000),
  /** Loop lifecycle events on an fmail topic. */
  events: fmailEventsConfigSchema.prefault({}),
  /** Modules whose `createRunnerPlugin` hooks the runner loads, in order. */
  plugins: z.array(z.string().trim().min(1)).default([BUILTIN_PLUGIN]),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;

/** A loaded config with its paths made absolute. */
export interface ResolvedConfig extends Config {
  /** The config file, or null when built from defaults/an object. */
  file: string | null;
  /** The directory relative paths were resolved from. */
  baseDir: string;
}

export function resolveConfig(
  input: unknown,
  baseDir: string,
  file: string | null = null,
): ResolvedConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const where = file ?? "config";
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length ? `field "${i.path.join(".")}"` : "the top level";
      return `${field}: ${i.message}`;
    });
    throw new EventLogError(
      "config_invalid",
      `${where}: ${problems.join("; ")} (see the config reference in the README)`,
    );
  }
  const c = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...c,
    jsonl: abs(c.jsonl),
    // A PostgreSQL URL (read commands) is kept as it is; the plugin refuses one.
    db: isPostgresUrl(c.db) ? c.db : abs(c.db),
    events: c.events.root ? { ...c.events, root: abs(c.events.root) } : c.events,
    file,
    baseDir,
  };
}

/** Reads and validates a config file (default: `forge-eventlog.config.json` in `cwd`). */
export function loadConfig(path?: string, cwd = process.cwd()): ResolvedConfig {
  const file = resolve(cwd, path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    throw new EventLogError(
      "config_not_found",
      `no config file at ${file}; create one (see the README's config reference) or pass its path`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new EventLogError(
      "config_invalid",
      `${file} is not valid JSON (${(e as Error).message}); fix the syntax`,
      { cause: e },
    );
  }
  return resolveConfig(json, dirname(file), file);
}

/** The environment variables the command line reads its config file and database from. */
export const CONFIG_ENV = "FORGE_EVENTLOG_CONFIG";
export const DB_ENV = "FORGE_EVENTLOG_DB";

/** The nearest `forge-eventlog.config.json` from `cwd` upwards, as git finds its repository. */
export function findConfigFile(cwd = process.cwd()): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const file = join(dir, DEFAULT_CONFIG_FILE);
    if (existsSync(file)) return file;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
