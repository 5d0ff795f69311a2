import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  CONFIG_ENV,
  DB_ENV,
  findConfigFile,
  loadConfig,
  type ResolvedConfig,
} from "../../config.ts";
import { EventLogError, isEventLogError } from "../../errors.ts";
import { discoverFmailRoot } from "../../fmail/root.ts";
import { cacheDir, DEFAULT_CONFIG_FILE, DEFAULT_DB } from "../../paths.ts";
import { closeAll, pgSourceTimelines } from "../../replay/pg-timelines.ts";
import { CacheSlot } from "../../replay/timeline-cache.ts";
import { storeReadLog } from "../../replay/timeline-projection.ts";
import { EventStore } from "../../store/event-store.ts";
import { loadDriver } from "../../store/load-driver.ts";
import { LATEST_SCHEMA_VERSION } from "../../store/migrations.ts";
import { PgEventStore } from "../../store/pg/pg-store.ts";
import { pgReadLog } from "../../store/pg/read-log.ts";
import { isPostgresUrl } from "../../store/pg/target.ts";
import type { ReadLog } from "../../store/read-log.ts";
import type { GlobalArgs } from "../framework/command.ts";
import { usageError } from "../framework/errors.ts";
import { log } from "../framework/terminal.ts";
import { parseWhole } from "./options.ts";

export interface ConfigDb {
  /** The config file read, or undefined when there is none. */
  file: string | undefined;
  /** How it was found, for messages. */
  from: "--config" | typeof CONFIG_ENV | "discovered" | "none";
  /** The database path, absolute. */
  db: string;
  /** The whole validated config, when there is a file. */
  config: ResolvedConfig | undefined;
}

/**
 * The config the command line uses: --config, else $FORGE_EVENTLOG_CONFIG (either must
 * exist), else the nearest forge-eventlog.config.json from the current directory upwards,
 * like git; none is fine (defaults). The runner's own config (`src/config.ts`, fully
 * validated), `db` resolved from the config file's directory.
 */
export function configDb(explicit: string | undefined, cwd = process.cwd()): ConfigDb {
  const fromEnv = process.env[CONFIG_ENV];
  const named = explicit ?? (fromEnv ? fromEnv : undefined);
  if (named !== undefined) {
    const file = resolve(cwd, named);
    const from = explicit !== undefined ? "--config" : CONFIG_ENV;
    if (!existsSync(file)) {
      throw new EventLogError(
        "config_not_found",
        `no config file at ${file} (from ${from}); fix the path, or drop ${from} to use the nearest ${DEFAULT_CONFIG_FILE}`,
      );
    }
    const config = loadConfig(file, cwd);
    return { file, from, db: config.db, config };
  }
  const found = findConfigFile(cwd);
  if (!found)
    return { file: undefined, from: "none", db: resolve(cwd, DEFAULT_DB), config: undefined };
  const config = loadConfig(found, cwd);
  return { file: found, from: "discovered", db: config.db, config };
}

export interface DbLocation {
  path: string;
  /** Where the path came from, for the not-found message. */
  source: "--db" | typeof DB_ENV | "config" | "default";
  config: string | undefined;
}

/** --busy-timeout, else the config's busyTimeoutMs, else the store's default. */
function busyTimeoutMs(args: GlobalArgs, config: string | undefined): number | undefined {
  const given = args["busy-timeout"];
  if (given !== undefined) return parseWhole(given, "--busy-timeout");
  return config ? loadConfig(config).busyTimeoutMs : undefined;
}

/**
 * --db, else $FORGE_EVENTLOG_DB, else the config's db, else ./.forge/events.db; relative
 * paths from the current directory. For the commands that need a SQLite file.
 */
export function resolveDb(args: GlobalArgs): DbLocation {
  const at = locateDb(args);
  if (isPostgresUrl(at.path)) {
    const from =
      at.source === "config"
        ? `the "db" of ${at.config}`
        : at.source === DB_ENV
          ? `$${DB_ENV}`
          : "--db";
    throw usageError(
      `this command works on a local SQLite file, and ${from} is a PostgreSQL URL; PostgreSQL logs are written by 'forge-eventlog ship' and read by replay, tail, timeline, stats, cursors, export, verify, report and serve`,
    );
  }
  return at;
}

/** Where the database is, as given: a file path (made absolute) or a postgres:// URL. */
function locateDb(args: GlobalArgs): DbLocation {
  if (args.db !== undefined) {
    if (args.db.trim() === "") throw usageError("--db needs a path");
    const path = isPostgresUrl(args.db) ? args.db.trim() : resolve(args.db);
    return { path, source: "--db", config: undefined };
  }
  const fromEnv = process.env[DB_ENV];
  if (fromEnv) {
    const path = isPostgresUrl(fromEnv) ? fromEnv.trim() : resolve(fromEnv);
    return { path, source: DB_ENV, config: configDb(args.config).file };
  }
  const c = configDb(args.config);
  return { path: c.db, source: c.file ? "config" : "default", config: c.file };
}

/**
 * For the read commands: the log at --db (or the config's db), a SQLite file or a PostgreSQL
 * URL, behind one interface. `projection` opens a SQLite file as `openProjection` does (the
 * stored timelines are kept up to date) and, with `cache`, keeps the timelines of a file that
 * cannot hold them in the timeline cache (cacheDir()); `intervalMs` is how often a SQLite file
 * is looked at for new commits (PostgreSQL is listened to instead).
 */
export async function openReadLog(
  args: GlobalArgs,
  options: { projection?: boolean; cache?: boolean; intervalMs?: number } = {},
): Promise<ReadLog> {
  const at = locateDb(args);
  const dir = options.projection && options.cache ? cacheDir() : undefined;
  const dropped = (e: Error) => log.debug(`reading without the timeline cache: ${e.message}`);
  if (isPostgresUrl(at.path)) {
    log.debug(`opening ${at.path} read-only (from ${at.source})`);
    const cache =
      dir === undefined
        ? undefined
        : { dir, driver: await loadDriver(), onDrop: dropped, open: [] };
    return pgReadLog(
      await PgEventStore.open(at.path, { readonly: true }),
      (store, source) => pgSourceTimelines(store, source, cache),
      () => closeAll(cache),
    );
  }
  const store = options.projection ? await openProjection(args) : await openRead(args);
  const cache = dir === undefined ? undefined : new CacheSlot(dir, dropped);
  return storeReadLog(store, { intervalMs: options.intervalMs, cache });
}

export async function withReadLog<T>(
  open: Promise<ReadLog>,
  fn: (log: ReadLog) => T | Promise<T>,
): Promise<T> {
  const opened = await open;
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}

function explainNotFound(e: unknown, at: DbLocation): unknown {
  if (!isEventLogError(e, "db_not_found") || !e.message.startsWith("no database at")) return e;
  if (at.source === "default") {
    return new EventLogError(
      "db_not_found",
      `no database at ${at.path} (the default); pass --db <file>, set $${DB_ENV}, or set "db" in a ${DEFAULT_CONFIG_FILE}`,
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
  if (at.source === DB_ENV) {
    return new EventLogError(
      "db_not_found",
      `no database at ${at.path} (from $${DB_ENV}); fix that variable or pass --db <file>`,
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
    return await EventStore.open(at.path, {
      readonly: true,
      create: false,
      busyTimeoutMs: busyTimeoutMs(args, at.config),
    });
  } catch (e) {
    throw explainNotFound(e, at);
  }
}

/** Opens for writing; `create` makes a new database (import), otherwise it must exist. */
export async function openWrite(args: GlobalArgs, create = false): Promise<EventStore> {
  const at = resolveDb(args);
  log.debug(`opening ${at.path} for writing (from ${at.source})`);
  try {
    return await EventStore.open(at.path, {
      create,
      busyTimeoutMs: busyTimeoutMs(args, at.config),
    });
  } catch (e) {
    throw explainNotFound(e, at);
  }
}

/**
 * For a command that keeps a stored projection up to date: our own database is opened for
 * writing; a read-only file, or a database another tool wrote (it is never migrated by a
 * reader), is opened for reading only.
 */
export async function openProjection(args: GlobalArgs): Promise<EventStore> {
  const reader = await openRead(args);
  if (reader.schemaVersion() < LATEST_SCHEMA_VERSION) return reader;
  const path = reader.path;
  reader.close();
  try {
    return await EventStore.open(path, {
      create: false,
      busyTimeoutMs: busyTimeoutMs(args, resolveDb(args).config),
    });
  } catch (e) {
    if (!isEventLogError(e, "db_readonly") && !isEventLogError(e, "db_cantopen")) throw e;
    log.debug(`${path} is not writable: reading it without storing the projection`);
    return openRead(args);
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

/** `events.root` of the config when it sets one, else fmail's own discovery from the cwd. */
export function fmailRootFor(args: GlobalArgs): { root: string; topic: string | undefined } {
  const { config } = configDb(args.config);
  if (config?.events.root) return { root: config.events.root, topic: config.events.topic };
  return { root: discoverFmailRoot(process.cwd(), process.env).root, topic: config?.events.topic };
}
