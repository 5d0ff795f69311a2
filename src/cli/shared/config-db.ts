import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, type ResolvedConfig } from "../../config.ts";
import { EventLogError } from "../../errors.ts";
import { DEFAULT_CONFIG_FILE } from "../../paths.ts";

export const CONFIG_FILE = DEFAULT_CONFIG_FILE;
const DEFAULT_DB = ".forge/events.db";

export interface ConfigDb {
  /** The config file read, or undefined when there is none. */
  file: string | undefined;
  /** The database path, absolute. */
  db: string;
  /** The whole validated config, when there is a file. */
  config: ResolvedConfig | undefined;
}

/**
 * The database a config names: the runner's own config (`src/config.ts`, fully validated),
 * `db` resolved from the config file's directory. `explicit` (--config) must exist; the
 * default file is optional.
 */
export function configDb(explicit: string | undefined, cwd = process.cwd()): ConfigDb {
  const file = resolve(cwd, explicit ?? CONFIG_FILE);
  if (!existsSync(file)) {
    if (explicit !== undefined) {
      throw new EventLogError(
        "config_not_found",
        `no config file at ${file}; check --config, or drop it to use ./${CONFIG_FILE}`,
      );
    }
    return { file: undefined, db: resolve(cwd, DEFAULT_DB), config: undefined };
  }
  const config = loadConfig(file, cwd);
  return { file, db: config.db, config };
}
