import { Database, type Statement } from "bun:sqlite";
import type { DriverModule, Row, SqlDriver, SqlStatement, SqlValue } from "./driver.ts";

function wrap(stmt: Statement): SqlStatement {
  return {
    run: (...params: SqlValue[]) => {
      const r = stmt.run(...params);
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    },
    get: <T extends Row>(...params: SqlValue[]) =>
      (stmt.get(...params) ?? undefined) as T | undefined,
    all: <T extends Row>(...params: SqlValue[]) => stmt.all(...params) as T[],
    iterate: <T extends Row>(...params: SqlValue[]) =>
      stmt.iterate(...params) as IterableIterator<T>,
  };
}

export const bunDriver: DriverModule = {
  open(path, options): SqlDriver {
    const db = options.readonly
      ? new Database(path, { readonly: true, strict: true })
      : new Database(path, { create: true, readwrite: true, strict: true });
    return {
      runtime: "bun:sqlite",
      exec: (sql) => db.exec(sql),
      prepare: (sql) => wrap(db.prepare(sql)),
      close: () => db.close(false),
    };
  },
  isDriverError: (error) => (error as { name?: unknown } | null)?.name === "SQLiteError",
  sqliteCode(error) {
    const errno = (error as { errno?: unknown } | null)?.errno;
    return typeof errno === "number" ? errno & 0xff : undefined;
  },
};
