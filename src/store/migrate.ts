import { EventLogError } from "../errors.ts";
import type { StoreContext } from "./context.ts";
import { latestVersion, type Schema } from "./migration.ts";
import { LOG_SCHEMA } from "./migrations.ts";
import { writeTransaction } from "./transaction.ts";

/** Reads `user_version`, refusing (without writing anything) a database from a newer release. */
export function readSchemaVersion(ctx: StoreContext, schema: Schema = LOG_SCHEMA): number {
  const row = ctx.sql.prepare("PRAGMA user_version").get<{ user_version: number }>();
  const version = Number(row?.user_version ?? 0);
  const latest = latestVersion(schema);
  if (version > latest) {
    throw new EventLogError(
      "db_schema_too_new",
      `database ${ctx.path} has schema version ${version}, newer than this forge-eventlog understands (${latest}); upgrade forge-eventlog. The file was not modified`,
    );
  }
  return version;
}

/** Applies the missing migrations in one write transaction; concurrent openers serialise. */
export function migrate(ctx: StoreContext, schema: Schema = LOG_SCHEMA): void {
  if (readSchemaVersion(ctx, schema) === latestVersion(schema)) return;
  writeTransaction(ctx, "migrating the schema", () => {
    const current = readSchemaVersion(ctx, schema);
    if (current === 0) refuseForeignEventsTable(ctx);
    for (const m of schema.migrations) {
      if (m.version <= current) continue;
      if (m.sql.trim() !== "") ctx.sql.exec(m.sql);
      m.apply?.(ctx.sql);
      ctx.sql.exec(`PRAGMA user_version = ${m.version}`);
    }
  });
}

function refuseForeignEventsTable(ctx: StoreContext): void {
  const cols = ctx.sql.prepare("PRAGMA table_info(events)").all<{ name: string }>();
  if (cols.length > 0 && !cols.some((c) => c.name === "event_hash")) {
    throw new EventLogError(
      "db_error",
      `database ${ctx.path} holds an 'events' table written by another tool (no event_hash chain column); forge-eventlog's read-only commands (replay, timeline, verify) can read it, but it will not append to it`,
    );
  }
}
