import {
  closeFile,
  type FileMark,
  markedPrefix,
  type OpenFile,
  openFile,
  sameInode,
} from "./identity.ts";

/** The runner's rotation keeps `<path>.1` (newest) to `<path>.3` (oldest). */
const ROTATED_SUFFIXES = [".1", ".2", ".3"] as const;

/** A file to read, from where. */
export interface Segment {
  file: OpenFile;
  byteOffset: number;
  lineNumber: number;
  /** Rotated away: read to its end (a torn last line included) and move on; else the live file. */
  finished: boolean;
  /** The file's first bytes before `byteOffset` (up to 1 KiB), as checked against the mark. */
  prefix: Buffer;
}

/**
 * - `start`: no position saved; the file from its first byte.
 * - `resume`: the same file still holds what was read; on from the saved offset.
 * - `truncated`: same inode, but shorter than the offset or its first bytes changed (retention
 *   kept the last lines). Re-read from 0: events of lines seen before are absorbed as
 *   duplicates by their idempotency keys. If a copy of the old content sits in `.N`
 *   (copy-and-truncate rotation), its unread rest is read first.
 * - `rotated`: the file read before is now `.N`: its rest, then any newer `.N-1`..`.1`, then
 *   the new file from 0.
 * - `replaced`: the file read before is nowhere to be found; the new file from 0.
 */
export type ReadingOrderKind = "start" | "resume" | "truncated" | "rotated" | "replaced";

/** Which files to read next, from where: after a start, a restart, a rotation or a truncation. */
export interface ReadingOrder {
  kind: ReadingOrderKind;
  /** In reading order; the last one is the live file unless it does not exist (yet). */
  segments: Segment[];
}

export interface LastRead extends FileMark {
  lineNumber: number;
}

const at = (file: OpenFile, last: LastRead, finished: boolean, prefix: Buffer): Segment => ({
  file,
  byteOffset: last.byteOffset,
  lineNumber: last.lineNumber,
  finished,
  prefix,
});
const fromStart = (file: OpenFile, finished: boolean): Segment => ({
  file,
  byteOffset: 0,
  lineNumber: 0,
  finished,
  prefix: Buffer.alloc(0),
});

/** Decides where to read `source` from, given what was read last (saved or just drained). */
export function readingOrderFrom(source: string, last: LastRead | undefined): ReadingOrder {
  const live = openFile(source);
  if (!last) return { kind: "start", segments: live ? [fromStart(live, false)] : [] };
  if (live && sameInode(live, last)) {
    const prefix = markedPrefix(live, last);
    if (prefix) return { kind: "resume", segments: [at(live, last, false, prefix)] };
    const copy = last.byteOffset > 0 ? findRotated(source, (f) => !sameInode(f, live), last) : null;
    const segments = copy ? [at(copy.file, last, true, copy.prefix)] : [];
    segments.push(fromStart(live, false));
    return { kind: "truncated", segments };
  }
  const old = findRotated(source, (f) => sameInode(f, last), last);
  if (!old) return { kind: "replaced", segments: live ? [fromStart(live, false)] : [] };
  const segments = [at(old.file, last, true, old.prefix)];
  for (let k = old.index - 1; k >= 0; k--) {
    const newer = openFile(`${source}${ROTATED_SUFFIXES[k]}`);
    if (newer && !(live && sameInode(newer, live))) segments.push(fromStart(newer, true));
    else if (newer) closeFile(newer);
  }
  if (live) segments.push(fromStart(live, false));
  return { kind: "rotated", segments };
}

/** The first `<source>.N` that `accept`s and still holds what `last` saw, opened. */
function findRotated(
  source: string,
  accept: (file: OpenFile) => boolean,
  last: FileMark,
): { file: OpenFile; index: number; prefix: Buffer } | null {
  for (const [index, suffix] of ROTATED_SUFFIXES.entries()) {
    const file = openFile(`${source}${suffix}`);
    if (!file) continue;
    const prefix = accept(file) ? markedPrefix(file, last) : undefined;
    if (prefix) return { file, index, prefix };
    closeFile(file);
  }
  return null;
}

export function closeReadingOrder(order: ReadingOrder): void {
  for (const s of order.segments) closeFile(s.file);
}
