import { EventLogError } from "../errors.ts";
import { isKeyFormat, KEY_PREFIX, type KeyFormat } from "../mirror/idempotency-key.ts";
import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { KEY_FORMAT_SETTING, SETTING_GET, SETTINGS_TABLE } from "./schema/settings.ts";

/**
 * The idempotency key format recorded in the database (migration 9). A file without the
 * settings table (another writer's, opened read-only) is taken to be in the earlier format; a
 * recorded value this release does not know is refused rather than guessed, since writing
 * keys of another format would store re-mirrored events twice.
 */
export function keyFormat(ctx: StoreContext): KeyFormat {
  const value = reading(ctx, "reading the key format", () => {
    if (ctx.stmt(SETTINGS_TABLE).get() == null) return KEY_PREFIX;
    return ctx.stmt(SETTING_GET).get<{ value: unknown }>(KEY_FORMAT_SETTING)?.value;
  });
  if (isKeyFormat(value)) return value;
  throw new EventLogError(
    "db_error",
    `database ${ctx.path} records the idempotency key format ${JSON.stringify(value ?? null)} (settings.key_format), which this forge-eventlog does not know; upgrade forge-eventlog, or restore the row if it was edited`,
  );
}
