import type { EventStore } from "../store/event-store.ts";

/**
 * Where a follower is in a legacy JSONL stream. `source` is the followed path (absolute); the
 * other fields describe the physical file being read, which after a rotation is `<source>.1`.
 * Saved in the same transaction as the events of the lines it moved past.
 */
export interface FollowPosition {
  source: string;
  /** Device and inode of the file being read, as decimal strings (inodes may pass 2^53). */
  dev: string;
  ino: string;
  /** sha256 hex of the file's first `fingerprintLength` bytes (at most 1 KiB, never past the offset). */
  fingerprint: string;
  fingerprintLength: number;
  /** Bytes consumed: the next line starts here. */
  byteOffset: number;
  /** Lines consumed: the next line is number `lineNumber + 1`. */
  lineNumber: number;
  /** The path the file had when it was last read (the source, or a rotated `.N`). */
  reading: string;
}

const SELECT = `SELECT source, dev, ino, fingerprint, fingerprint_length AS fingerprintLength,
  byte_offset AS byteOffset, line_number AS lineNumber, reading
  FROM follow_positions WHERE source = ?`;

const UPSERT = `INSERT INTO follow_positions
  (source, dev, ino, fingerprint, fingerprint_length, byte_offset, line_number, reading, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (source) DO UPDATE SET dev = excluded.dev, ino = excluded.ino,
    fingerprint = excluded.fingerprint, fingerprint_length = excluded.fingerprint_length,
    byte_offset = excluded.byte_offset, line_number = excluded.line_number,
    reading = excluded.reading, updated_at = excluded.updated_at`;

export function loadPosition(store: EventStore, source: string): FollowPosition | undefined {
  const row = store.statement(SELECT).get<FollowPosition & Record<string, unknown>>(source);
  if (!row) return undefined;
  return {
    ...row,
    fingerprintLength: Number(row.fingerprintLength),
    byteOffset: Number(row.byteOffset),
    lineNumber: Number(row.lineNumber),
  };
}

/** Call inside the batch's `store.transaction`, so the position and the events commit together. */
export function savePosition(store: EventStore, p: FollowPosition): void {
  store
    .statement(UPSERT)
    .run(
      p.source,
      p.dev,
      p.ino,
      p.fingerprint,
      p.fingerprintLength,
      p.byteOffset,
      p.lineNumber,
      p.reading,
      new Date().toISOString(),
    );
}

export function listPositions(store: EventStore): FollowPosition[] {
  return store
    .statement(
      `SELECT source, dev, ino, fingerprint, fingerprint_length AS fingerprintLength,
        byte_offset AS byteOffset, line_number AS lineNumber, reading
        FROM follow_positions ORDER BY source`,
    )
    .all<FollowPosition & Record<string, unknown>>();
}
