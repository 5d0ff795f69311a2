import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { POSITION_GET, POSITION_LIST, POSITION_PUT } from "./schema/follow-last-ts.ts";
import { hasTable } from "./tables.ts";

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
  /**
   * The `ts` of the last record before the position that had one (null: none yet, or saved
   * before schema 5): the time a record without `ts` after it is given.
   */
  lastTs: string | null;
  /** When it was last saved (read back only; saving stamps the time itself). */
  updatedAt?: string;
}

type PositionRow = FollowPosition & Record<string, unknown>;

function fromRow(row: PositionRow): FollowPosition {
  return {
    ...row,
    fingerprintLength: Number(row.fingerprintLength),
    byteOffset: Number(row.byteOffset),
    lineNumber: Number(row.lineNumber),
    lastTs: typeof row.lastTs === "string" ? row.lastTs : null,
  };
}

export function loadFollowPosition(ctx: StoreContext, source: string): FollowPosition | undefined {
  return reading(ctx, `reading the follow position of ${source}`, () => {
    if (!hasTable(ctx, "follow_positions")) return undefined;
    const row = ctx.stmt(POSITION_GET).get<PositionRow>(source);
    return row ? fromRow(row) : undefined;
  });
}

/** Call inside the batch's transaction, so the position and the events commit together. */
export function saveFollowPosition(ctx: StoreContext, p: FollowPosition): void {
  ctx
    .stmt(POSITION_PUT)
    .run(
      p.source,
      p.dev,
      p.ino,
      p.fingerprint,
      p.fingerprintLength,
      p.byteOffset,
      p.lineNumber,
      p.reading,
      p.lastTs,
      new Date().toISOString(),
    );
}

export function listFollowPositions(ctx: StoreContext): FollowPosition[] {
  return reading(ctx, "listing follow positions", () =>
    hasTable(ctx, "follow_positions")
      ? ctx.stmt(POSITION_LIST).all<PositionRow>().map(fromRow)
      : [],
  );
}
