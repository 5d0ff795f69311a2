// node:sqlite's DatabaseSync, used under Deno (>= 2.2) and Node (>= 22.5).
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  type DriverModule,
  immutableUri,
  type Row,
  SQLITE,
  type SqlDriver,
  type SqlStatement,
  type SqlValue,
} from "./driver.ts";

function wrap(stmt: StatementSync): SqlStatement {
  return {
    run: (...params: SqlValue[]) => {
      const r = stmt.run(...params);
      return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
    },
    get: <T extends Row>(...params: SqlValue[]) => stmt.get(...params) as T | undefined,
    all: <T extends Row>(...params: SqlValue[]) => stmt.all(...params) as T[],
    iterate: <T extends Row>(...params: SqlValue[]) =>
      stmt.iterate(...params) as unknown as IterableIterator<T>,
  };
}

// node:sqlite does not always attach `errcode` (constraint errors, open errors), so the
// message SQLite produced is the fallback.
const MESSAGES: [RegExp, number][] = [
  [/database is locked/i, SQLITE.BUSY],
  [/database table is locked/i, SQLITE.LOCKED],
  [/file is not a database/i, SQLITE.NOTADB],
  [/malformed/i, SQLITE.CORRUPT],
  [/readonly database/i, SQLITE.READONLY],
  [/database or disk is full/i, SQLITE.FULL],
  [/unable to open database file/i, SQLITE.CANTOPEN],
  [/disk I\/O error/i, SQLITE.IOERR],
  [/constraint failed/i, SQLITE.CONSTRAINT],
];

export const nodeDriver: DriverModule = {
  open(path, options): SqlDriver {
    const db = options.immutable
      ? new DatabaseSync(immutableUri(path), { readOnly: true })
      : new DatabaseSync(path, { readOnly: options.readonly });
    return {
      runtime: "node:sqlite",
      exec: (sql) => db.exec(sql),
      prepare: (sql) => wrap(db.prepare(sql)),
      close: () => db.close(),
    };
  },
  isDriverError: (error) =>
    (error as { code?: unknown } | null)?.code === "ERR_SQLITE_ERROR" ||
    (error as { name?: unknown } | null)?.name === "SqliteError",
  sqliteCode(error) {
    const e = error as { errcode?: unknown; message?: unknown } | null;
    if (typeof e?.errcode === "number") return e.errcode & 0xff;
    const message = typeof e?.message === "string" ? e.message : "";
    return MESSAGES.find(([re]) => re.test(message))?.[1];
  },
};
