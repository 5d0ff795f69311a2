import { createHash } from "node:crypto";
import type { EventStore } from "../store/event-store.ts";

/** Where a line came from, so an operator can find it again. */
export interface LineOrigin {
  /** The JSONL file's path, or `plugin` for records that came through a hook. */
  source: string;
  lineNumber?: number | null;
  byteOffset?: number | null;
  raw: string;
}

export interface QuarantinedLine extends Required<LineOrigin> {
  id: number;
  reason: string;
  recorded_at: string;
}

/** Stores a line that could not be mirrored; the same line recorded twice is kept once. */
export function quarantine(store: EventStore, origin: LineOrigin, reason: string): boolean {
  const digest = createHash("sha256").update(origin.raw).digest("hex");
  const r = store
    .statement(
      `INSERT OR IGNORE INTO quarantine (source, line_number, byte_offset, raw, raw_digest, reason, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      origin.source,
      origin.lineNumber ?? null,
      origin.byteOffset ?? null,
      origin.raw,
      digest,
      reason,
      new Date().toISOString(),
    );
  return r.changes > 0;
}

export function listQuarantine(store: EventStore, limit = 100): QuarantinedLine[] {
  return store
    .statement(
      "SELECT id, source, line_number AS lineNumber, byte_offset AS byteOffset, raw, reason, recorded_at FROM quarantine ORDER BY id LIMIT ?",
    )
    .all<QuarantinedLine & Record<string, unknown>>(limit);
}
