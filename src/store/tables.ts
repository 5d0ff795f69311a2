import type { StoreContext } from "./context.ts";

const TABLE_EXISTS = "SELECT 1 AS ok FROM sqlite_master WHERE type = 'table' AND name = ?";

/**
 * Whether the database has the table: a log another writer made (forge-loop's own) or one of
 * an earlier release, opened read-only and so never migrated, may lack our tables; reading
 * one that is not there finds nothing.
 */
export function hasTable(ctx: StoreContext, name: string): boolean {
  return ctx.stmt(TABLE_EXISTS).get(name) != null;
}
