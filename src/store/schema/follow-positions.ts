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

const POSITION_COLUMNS = `source, dev, ino, fingerprint, fingerprint_length AS fingerprintLength,
  byte_offset AS byteOffset, line_number AS lineNumber, reading`;
export const POSITION_GET = `SELECT ${POSITION_COLUMNS} FROM follow_positions WHERE source = ?`;
export const POSITION_LIST = `SELECT ${POSITION_COLUMNS} FROM follow_positions ORDER BY source`;
export const POSITION_PUT = `INSERT INTO follow_positions
  (source, dev, ino, fingerprint, fingerprint_length, byte_offset, line_number, reading, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (source) DO UPDATE SET dev = excluded.dev, ino = excluded.ino,
    fingerprint = excluded.fingerprint, fingerprint_length = excluded.fingerprint_length,
    byte_offset = excluded.byte_offset, line_number = excluded.line_number,
    reading = excluded.reading, updated_at = excluded.updated_at`;
