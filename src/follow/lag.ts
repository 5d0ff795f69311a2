import { readSync } from "node:fs";
import type { EventStore } from "../store/event-store.ts";
import type { FollowPosition } from "../store/follow-positions.ts";
import { type OpenFile, sizeOf } from "./identity.ts";
import { closeReadingOrder, type ReadingOrderKind, readingOrderFrom } from "./reading-order.ts";

/** How far the mirror of one followed JSONL file is behind it. */
export interface FollowLag {
  /** The followed path, as `mirror` was given it (absolute). */
  source: string;
  /** The file the saved position is in: the source, or a rotated `<source>.N`. */
  reading: string;
  byteOffset: number;
  lineNumber: number;
  /** When the position last moved (a batch was committed), ISO; null before schema 4's stamp. */
  lastAdvancedAt: string | null;
  /**
   * What a mirror started now would do: `resume` (the same file, on from the position),
   * `rotated`, `truncated` or `replaced` (see the follower's reading order), or `missing`.
   */
  next: ReadingOrderKind | "missing";
  /** Bytes and complete lines still to read, over every file the next run would read. */
  bytesUnread: number;
  linesUnread: number;
  /** Lines of this file (and its rotated copies) kept in the quarantine, and refused events. */
  quarantined: number;
  conflicts: number;
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** Newlines in `file` from `offset` to its end, read in 1 MiB chunks. */
function newlinesAfter(file: OpenFile, offset: number, size: number): number {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let lines = 0;
  for (let at = offset; at < size; ) {
    const n = readSync(file.fd, buffer, 0, Math.min(CHUNK, size - at), at);
    if (n <= 0) break;
    for (
      let i = buffer.indexOf(NEWLINE, 0);
      i !== -1 && i < n;
      i = buffer.indexOf(NEWLINE, i + 1)
    ) {
      lines++;
    }
    at += n;
  }
  return lines;
}

/**
 * The lag of one saved follow position: the files a mirror started now would read (the same
 * reading order the follower takes, so rotation and truncation count as it counts them),
 * from their offsets to their ends.
 */
export function followLag(store: EventStore, position: FollowPosition): FollowLag {
  const order = readingOrderFrom(position.source, position);
  let bytesUnread = 0;
  let linesUnread = 0;
  try {
    for (const segment of order.segments) {
      const size = sizeOf(segment.file);
      bytesUnread += Math.max(0, size - segment.byteOffset);
      linesUnread += newlinesAfter(segment.file, segment.byteOffset, size);
    }
  } finally {
    closeReadingOrder(order);
  }
  return {
    source: position.source,
    reading: position.reading,
    byteOffset: position.byteOffset,
    lineNumber: position.lineNumber,
    lastAdvancedAt: position.updatedAt ?? null,
    next: order.segments.length === 0 ? "missing" : order.kind,
    bytesUnread,
    linesUnread,
    ...store.countsOfSource(position.source),
  };
}

/** Every followed file's lag, by source path. */
export function followLags(store: EventStore): FollowLag[] {
  return store.listFollowPositions().map((p) => followLag(store, p));
}
