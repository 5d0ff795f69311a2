import { EventLogError } from "../errors.ts";
import type { StoreContext } from "./context.ts";

/**
 * Runs `fn` in one `BEGIN IMMEDIATE` write transaction (the write lock is taken up front, so
 * SQLite's busy timeout applies instead of a deadlock-prone lock upgrade). Calls nested inside
 * an open transaction join it. `fn` must be synchronous: SQLite commits when it returns.
 */
export function writeTransaction<T>(ctx: StoreContext, doing: string, fn: () => T): T {
  if (ctx.txDepth > 0) return fn();
  if (ctx.readonly) {
    throw new EventLogError(
      "db_readonly",
      `cannot write ${ctx.path}: it was opened read-only, and ${doing} writes; open it for writing instead (without the readonly option)`,
    );
  }
  try {
    ctx.stmt("BEGIN IMMEDIATE").run();
  } catch (e) {
    throw ctx.fail(e, doing);
  }
  ctx.txDepth = 1;
  ctx.headHash = null;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError("a store transaction callback must be synchronous");
    }
    ctx.stmt("COMMIT").run();
    return result;
  } catch (e) {
    try {
      ctx.stmt("ROLLBACK").run();
    } catch {
      // SQLite already rolled back (e.g. after SQLITE_FULL); nothing more to undo.
    }
    throw ctx.driver.isDriverError(e) ? ctx.fail(e, doing) : e;
  } finally {
    ctx.txDepth = 0;
    ctx.headHash = null;
  }
}
