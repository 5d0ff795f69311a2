import { resolve } from "node:path";
import { EventLogError, isEventLogError } from "../../errors.ts";
import { EventStore } from "../../store/index.ts";
import type { GlobalArgs } from "./args.ts";
import { CONFIG_FILE, configDb } from "./config-db.ts";
import { log } from "./log.ts";
import { usageError } from "./values.ts";

export interface DbLocation {
  path: string;
  /** Where the path came from, for the not-found message. */
  source: "--db" | "config" | "default";
  config: string | undefined;
}

/** --db, else the config's db, else ./.forge/events.db; relative paths from the current directory. */
export function resolveDb(args: GlobalArgs): DbLocation {
  if (args.db !== undefined) {
    if (args.db.trim() === "") throw usageError("--db needs a path");
    return { path: resolve(args.db), source: "--db", config: undefined };
  }
  const c = configDb(args.config);
  return { path: c.db, source: c.file ? "config" : "default", config: c.file };
}

function explainNotFound(e: unknown, at: DbLocation): unknown {
  if (!isEventLogError(e, "db_not_found") || !e.message.startsWith("no database at")) return e;
  if (at.source === "default") {
    return new EventLogError(
      "db_not_found",
      `no database at ${at.path} (the default); pass --db <file> or set "db" in ./${CONFIG_FILE}`,
      { cause: e },
    );
  }
  if (at.source === "config") {
    return new EventLogError(
      "db_not_found",
      `no database at ${at.path} (the "db" of ${at.config}); fix that path or pass --db <file>`,
      { cause: e },
    );
  }
  return e;
}

/** Opens for reading; a missing file is an error and is never created. */
export async function openRead(args: GlobalArgs): Promise<EventStore> {
  const at = resolveDb(args);
  log.debug(`opening ${at.path} read-only (from ${at.source})`);
  try {
    return await EventStore.open(at.path, { readonly: true, create: false });
  } catch (e) {
    throw explainNotFound(e, at);
  }
}

/** Opens for writing; `create` makes a new database (import), otherwise it must exist. */
export async function openWrite(args: GlobalArgs, create = false): Promise<EventStore> {
  const at = resolveDb(args);
  log.debug(`opening ${at.path} for writing (from ${at.source})`);
  try {
    return await EventStore.open(at.path, { create });
  } catch (e) {
    throw explainNotFound(e, at);
  }
}

export async function withStore<T>(
  open: Promise<EventStore>,
  fn: (store: EventStore) => T | Promise<T>,
): Promise<T> {
  const store = await open;
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
