import { isKeyFormat, KEY_PREFIX, type KeyFormat } from "../mirror/idempotency-key.ts";
import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { KEY_FORMAT_SETTING, SETTING_GET, SETTINGS_TABLE } from "./schema/settings.ts";

/**
 * The idempotency key format recorded in the database (migration 9). A file without the
 * record (another writer's, opened read-only) is taken to be in the earlier format.
 */
export function keyFormat(ctx: StoreContext): KeyFormat {
  return reading(ctx, "reading the key format", () => {
    if (ctx.stmt(SETTINGS_TABLE).get() == null) return KEY_PREFIX;
    const value = ctx.stmt(SETTING_GET).get<{ value: unknown }>(KEY_FORMAT_SETTING)?.value;
    return isKeyFormat(value) ? value : KEY_PREFIX;
  });
}
