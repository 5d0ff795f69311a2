import { constants, Database, type Statement } from "bun:sqlite";
import {
  type DriverModule,
  immutableUri,
  type Row,
  type SqlDriver,
  type SqlStatement,
  type SqlValue,
} from "./driver.ts";

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
    // An options object cannot ask for URI filenames, so an immutable open passes flags
    // (`strict` only matters for named parameters, which the store does not use).
    const db = options.immutable
      ? new Database(immutableUri(path), constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI)
      : options.readonly
        ? new Database(path, { readonly: true, strict: true })
        : new Database(path, { create: true, readwrite: true, strict: true });
    // Bun closes lazily while any statement is unfinalized, which would leave the WAL
    // un-checkpointed and the file open after close(); so finalize them first.
    const prepared: Statement[] = [];
    return {
      runtime: "bun:sqlite",
      exec: (sql) => db.exec(sql),
      prepare: (sql) => {
        const stmt = db.prepare(sql);
        prepared.push(stmt);
        return wrap(stmt);
      },
      close: () => {
        for (const stmt of prepared.splice(0)) stmt.finalize();
        db.close(false);
      },
    };
  },
  isDriverError: (error) => (error as { name?: unknown } | null)?.name === "SQLiteError",
  sqliteCode(error) {
    const errno = (error as { errno?: unknown } | null)?.errno;
    return typeof errno === "number" ? errno & 0xff : undefined;
  },
};
