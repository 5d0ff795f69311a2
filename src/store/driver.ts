/**
 * The tiny SQLite interface the store is written against. One adapter file per runtime
 * (`driver-bun.ts`, `driver-node.ts`) implements it; nothing else imports a SQLite module.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

export interface SqlStatement {
  run(...params: SqlValue[]): RunResult;
  get<T extends Row = Row>(...params: SqlValue[]): T | undefined;
  all<T extends Row = Row>(...params: SqlValue[]): T[];
  iterate<T extends Row = Row>(...params: SqlValue[]): IterableIterator<T>;
}

export interface SqlDriver {
  readonly runtime: DriverName;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

export type DriverName = "bun:sqlite" | "node:sqlite";

export interface DriverOpenOptions {
  readonly: boolean;
  /**
   * Open read-only with SQLite's `immutable=1` URI parameter: no -wal or -shm is looked for
   * or created, no lock is taken. Only for a file nobody can change while it is open.
   */
  immutable?: boolean;
}

/** `file:` URI for `path` with `immutable=1` (each path segment percent-encoded). */
export function immutableUri(path: string): string {
  return `file:${path.split("/").map(encodeURIComponent).join("/")}?immutable=1`;
}

export interface DriverModule {
  open(path: string, options: DriverOpenOptions): SqlDriver;
  /** Whether the error came from SQLite (as opposed to a bug in a caller's callback). */
  isDriverError(error: unknown): boolean;
  /** The primary SQLite result code of a driver error (5 = BUSY, 26 = NOTADB, ...), if any. */
  sqliteCode(error: unknown): number | undefined;
}

/** Primary SQLite result codes the store reacts to. */
export const SQLITE = {
  ERROR: 1,
  BUSY: 5,
  LOCKED: 6,
  READONLY: 8,
  IOERR: 10,
  CORRUPT: 11,
  FULL: 13,
  CANTOPEN: 14,
  CONSTRAINT: 19,
  NOTADB: 26,
} as const;
