import type { Migration } from "../migration.ts";

/** Legacy lines that could not be mirrored, kept with where they came from. */
export const migration2: Migration = {
  version: 2,
  name: "quarantine for legacy lines that could not be mirrored",
  sql: `
      CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        line_number INTEGER,
        byte_offset INTEGER,
        raw TEXT NOT NULL,
        raw_digest TEXT NOT NULL,
        reason TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        UNIQUE (source, line_number, raw_digest)
      );
    `,
};

export const QUARANTINE_INSERT = `INSERT OR IGNORE INTO quarantine
  (source, line_number, byte_offset, raw, raw_digest, reason, recorded_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const QUARANTINE_LIST = `SELECT id, source, line_number AS lineNumber, byte_offset AS byteOffset,
  raw, reason, recorded_at FROM quarantine ORDER BY id LIMIT ?`;
export const QUARANTINE_COUNT = "SELECT COUNT(*) AS n FROM quarantine";
/** A followed path's own lines and those of its rotated copies (`<source>.1`, ...). */
const OF_SOURCE = "(source = ?1 OR substr(source, 1, length(?1) + 1) = ?1 || '.')";
export const QUARANTINE_COUNT_OF_SOURCE = `SELECT COUNT(*) AS n FROM quarantine WHERE ${OF_SOURCE}`;
export const QUARANTINE_GET = `SELECT id, source, line_number AS lineNumber, byte_offset AS byteOffset,
  raw, reason, recorded_at FROM quarantine WHERE id = ?`;
export const QUARANTINE_DELETE = "DELETE FROM quarantine WHERE id = ?";
export const CONFLICT_COUNT_OF_SOURCE = `SELECT COUNT(*) AS n FROM conflicts WHERE ${OF_SOURCE}`;
