import {
  KEY_PREFIX,
  type KeyFormat,
  NEW_DATABASE_KEY_FORMAT,
} from "../../mirror/idempotency-key.ts";
import { prefixEnd } from "../conflicts.ts";
import type { SqlDriver } from "../driver.ts";
import type { Migration } from "../migration.ts";
import { KEY_IN_RANGE } from "./conflicts.ts";

/**
 * Facts about the database fixed when it is created, one row each. `key_format`: the prefix of
 * the idempotency keys the mirror writes here, which names their format (docs/mirror.md). A
 * database that already holds `eventlog:` keys keeps writing them, so re-mirroring a JSONL
 * finds its events under the keys they were stored with; any other gets the shorter format.
 */
export const migration9: Migration = {
  version: 9,
  name: "settings: the idempotency key format the mirror writes",
  sql: `
      CREATE TABLE IF NOT EXISTS settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  apply: recordKeyFormat,
};

export const KEY_FORMAT_SETTING = "key_format";
export const SETTING_GET = "SELECT value FROM settings WHERE name = ?";
export const SETTINGS_TABLE =
  "SELECT 1 AS ok FROM sqlite_master WHERE type = 'table' AND name = 'settings'";
const SETTING_INSERT = "INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)";

function recordKeyFormat(db: SqlDriver): void {
  const holdsEventlogKeys = db.prepare(KEY_IN_RANGE).get(KEY_PREFIX, prefixEnd(KEY_PREFIX)) != null;
  const format: KeyFormat = holdsEventlogKeys ? KEY_PREFIX : NEW_DATABASE_KEY_FORMAT;
  db.prepare(SETTING_INSERT).run(KEY_FORMAT_SETTING, format);
}
