import type { Migration } from "../migration.ts";

/** Where `mirror` got to in each followed legacy JSONL file. */
export const migration4: Migration = {
  version: 4,
  name: "follower positions in legacy JSONL files",
  sql: `
      CREATE TABLE IF NOT EXISTS follow_positions (
        source TEXT PRIMARY KEY,
        dev TEXT NOT NULL,
        ino TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        fingerprint_length INTEGER NOT NULL,
        byte_offset INTEGER NOT NULL,
        line_number INTEGER NOT NULL,
        reading TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
};
