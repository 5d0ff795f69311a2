import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { EventLogError, isEventLogError } from "../errors.ts";
import { StoreContext } from "./context.ts";
import type { DriverModule, DriverName } from "./driver.ts";
import { loadDriver } from "./load-driver.ts";
import { migrate, readSchemaVersion } from "./migrate.ts";
import type { Schema } from "./migration.ts";

export type Synchronous = "normal" | "full";

export interface OpenOptions {
  /** Open for reading only: no file is created, no pragma or migration is written. */
  readonly?: boolean;
  /** Create the file (and its directory) when missing. Default: true unless readonly. */
  create?: boolean;
  /** `normal` (default): WAL commits survive a process crash; `full`: also a power loss. */
  synchronous?: Synchronous;
  /** How long a writer waits for another connection's lock before `db_locked`. */
  busyTimeoutMs?: number;
  driver?: DriverName;
  /** The migrations a writable open applies (default: the event log's). */
  schema?: Schema;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Opens (creating and migrating if asked) a forge-eventlog database; the caller closes it. */
export async function openContext(path: string, options: OpenOptions = {}): Promise<StoreContext> {
  return openContextWith(await loadDriver(options.driver), path, options);
}

/** The same, with the driver module already loaded (lets a synchronous caller reopen). */
export function openContextWith(
  driver: DriverModule,
  path: string,
  options: OpenOptions = {},
): StoreContext {
  const file = resolve(path);
  const readonly = options.readonly ?? false;
  const create = options.create ?? !readonly;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!existsSync(file)) {
    if (!create) {
      throw new EventLogError(
        "db_not_found",
        `no database at ${file}; check --db, or create one by mirroring events into it`,
      );
    }
    ensureDirectory(file);
  } else if (statSync(file).isDirectory()) {
    throw new EventLogError(
      "db_cantopen",
      `${file} is a directory, not a database file; point --db at a file`,
    );
  }
  if (existsSync(file)) requireWalIfNeeded(file);
  const connect = (immutable: boolean) =>
    connectWith(driver, file, { readonly, immutable, busyTimeoutMs, options });
  try {
    return connect(false);
  } catch (e) {
    // A read-only open of a WAL database fails with CANTOPEN where SQLite cannot create
    // the -shm (a read-only directory): read it in place when that is exact.
    if (!readonly || !isEventLogError(e, "db_cantopen") || !readableInPlace(file)) throw e;
    return connect(true);
  }
}

function connectWith(
  driver: DriverModule,
  file: string,
  o: { readonly: boolean; immutable: boolean; busyTimeoutMs: number; options: OpenOptions },
): StoreContext {
  const { readonly, busyTimeoutMs } = o;
  let sql: ReturnType<typeof driver.open>;
  try {
    sql = driver.open(file, { readonly, immutable: o.immutable });
  } catch (e) {
    throw new StoreContext({ path: file, sql: nullDriver, driver, busyTimeoutMs, readonly }).fail(
      e,
      "opening the database",
    );
  }
  const ctx = new StoreContext({ path: file, sql, driver, busyTimeoutMs, readonly });
  try {
    sql.exec(busyTimeoutSql(busyTimeoutMs));
    readSchemaVersion(ctx, o.options.schema);
    if (!readonly) {
      setJournal(ctx, o.options.synchronous ?? "normal");
      migrate(ctx, o.options.schema);
    } else {
      requireEventsTable(ctx);
    }
    return ctx;
  } catch (e) {
    sql.close();
    throw ctx.fail(e, "opening the database");
  }
}

/** The WAL-index header's version (`-shm`, native byte order; every platform we run on is little-endian). */
const WAL_INDEX_VERSION = 3007000;

/**
 * How many WAL frames the `-shm` says hold commits not yet copied into the main file
 * (`mxFrame - nBackfill`); 0 when there is no `-shm` or it is not a WAL index we know.
 */
function uncheckpointedFrames(file: string): number {
  const header = new Uint8Array(136);
  let read = 0;
  try {
    const fd = openSync(`${file}-shm`, "r");
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
  if (read < header.length) return 0;
  const view = new DataView(header.buffer);
  if (view.getUint32(0, true) !== WAL_INDEX_VERSION || header[12] !== 1) return 0;
  const mxFrame = view.getUint32(16, true);
  const nBackfill = view.getUint32(96, true);
  return Math.max(0, mxFrame - nBackfill);
}

/**
 * A `-wal` deleted while its `-shm` still counts commits in it (removed while another process
 * had the database open, or after a crash) leaves the main file without the newest events;
 * SQLite would report a bare I/O error, or quietly read (and a writer build on) the older
 * state. Refused with what happened and the fix instead.
 */
function requireWalIfNeeded(file: string): void {
  if (existsSync(`${file}-wal`)) return;
  const frames = uncheckpointedFrames(file);
  if (frames === 0) return;
  throw new EventLogError(
    "db_wal_missing",
    `${file}-wal is gone but ${file}-shm says it held ${frames} page write${frames === 1 ? "" : "s"} not yet copied into ${file}, so the newest events are missing; if a process still has the database open, stop it cleanly (on close it copies its WAL into the file) and retry, otherwise restore the -wal from a backup, or delete ${file}-shm to use the file as it is and rebuild the rest with 'forge-eventlog mirror'`,
  );
}

const nonEmpty = (path: string) => existsSync(path) && statSync(path).size > 0;

/**
 * Whether a database SQLite could not open read-only may be read in place with
 * `immutable=1`. A WAL database is normally read with a -shm beside it, which SQLite creates
 * if missing; in a directory it cannot write (a backup, a snapshot, a read-only mount) that
 * fails. When there is no -wal (or an empty one) the main file holds every committed event,
 * and no writer can commit without creating a -wal or journal in that directory, so reading
 * it as immutable is exact. A -wal with content but no -shm cannot be read there at all:
 * that is refused with the fix.
 */
function readableInPlace(file: string): boolean {
  if (!nonEmpty(`${file}-wal`)) return true;
  if (existsSync(`${file}-shm`)) return false;
  throw new EventLogError(
    "db_readonly",
    `cannot read ${file} in place: its directory ${dirname(file)} is read-only and its -wal holds events not yet in the main file, but there is no -shm, which SQLite would have to create; copy ${file} and ${file}-wal together into a writable directory and read the copy`,
  );
}

function ensureDirectory(file: string): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new EventLogError(
      "db_cantopen",
      `cannot create database ${file}: its directory ${dir} cannot be created (${(e as Error).message}); create it or choose another path`,
      { cause: e },
    );
  }
}

function setJournal(ctx: StoreContext, synchronous: Synchronous): void {
  const row = ctx.sql.prepare("PRAGMA journal_mode = WAL").get<{ journal_mode: string }>();
  if (row?.journal_mode !== "wal") {
    throw new EventLogError(
      "db_error",
      `database ${ctx.path} refused WAL mode (got ${row?.journal_mode}); it must be on a local filesystem that supports shared memory`,
    );
  }
  ctx.sql.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  // Keep an idle WAL from growing without bound after a checkpoint (bytes).
  ctx.sql.exec("PRAGMA journal_size_limit = 67108864");
}

function requireEventsTable(ctx: StoreContext): void {
  const row = ctx.sql
    .prepare("SELECT 1 AS ok FROM sqlite_master WHERE type = 'table' AND name = 'events'")
    .get();
  if (!row) {
    throw new EventLogError(
      "db_not_found",
      `${ctx.path} is a SQLite database but holds no event log (no 'events' table); check --db`,
    );
  }
}

const nullDriver = {
  runtime: "bun:sqlite" as const,
  exec() {},
  prepare(): never {
    throw new Error("closed");
  },
  close() {},
};

/** The PRAGMA that makes a connection wait up to `ms` for another's lock (0: not at all). */
export function busyTimeoutSql(ms: number): string {
  return `PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`;
}
