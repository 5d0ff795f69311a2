import type { DriverModule, SqlDriver, SqlStatement } from "./driver.ts";
import { translateError } from "./translate-error.ts";

/** What every store operation works on: one open connection and its statement cache. */
export class StoreContext {
  readonly path: string;
  readonly sql: SqlDriver;
  readonly driver: DriverModule;
  readonly busyTimeoutMs: number;
  readonly readonly: boolean;
  /** Depth of the write transaction this connection is in (0 = none). */
  txDepth = 0;
  /**
   * The last event_hash written in the open write transaction, so consecutive appendBatch calls
   * in one transaction (a backfill batch) read the chain head once; null outside a transaction.
   */
  headHash: string | null = null;
  private readonly statements = new Map<string, SqlStatement>();

  constructor(init: {
    path: string;
    sql: SqlDriver;
    driver: DriverModule;
    busyTimeoutMs: number;
    readonly: boolean;
  }) {
    this.path = init.path;
    this.sql = init.sql;
    this.driver = init.driver;
    this.busyTimeoutMs = init.busyTimeoutMs;
    this.readonly = init.readonly;
  }

  /** A prepared statement, compiled once per connection. */
  stmt(text: string): SqlStatement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.sql.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  fail(error: unknown, doing: string) {
    return translateError(this.driver, error, this.path, doing, this.busyTimeoutMs);
  }
}
