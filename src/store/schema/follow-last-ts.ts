import type { Migration } from "../migration.ts";

/**
 * The `ts` of the last record a follower read before its position: a record without `ts`
 * takes it as its time, so a resumed run dates such records as a run in one go does.
 */
export const migration5: Migration = {
  version: 5,
  name: "the last legacy ts before each follower position",
  sql: "ALTER TABLE follow_positions ADD COLUMN last_ts TEXT;",
};

const POSITION_COLUMNS = `source, dev, ino, fingerprint, fingerprint_length AS fingerprintLength,
  byte_offset AS byteOffset, line_number AS lineNumber, reading, last_ts AS lastTs,
  updated_at AS updatedAt`;
export const POSITION_GET = `SELECT ${POSITION_COLUMNS} FROM follow_positions WHERE source = ?`;
export const POSITION_LIST = `SELECT ${POSITION_COLUMNS} FROM follow_positions ORDER BY source`;
export const POSITION_PUT = `INSERT INTO follow_positions
  (source, dev, ino, fingerprint, fingerprint_length, byte_offset, line_number, reading, last_ts, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (source) DO UPDATE SET dev = excluded.dev, ino = excluded.ino,
    fingerprint = excluded.fingerprint, fingerprint_length = excluded.fingerprint_length,
    byte_offset = excluded.byte_offset, line_number = excluded.line_number,
    reading = excluded.reading, last_ts = excluded.last_ts, updated_at = excluded.updated_at`;
