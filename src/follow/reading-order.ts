import { lstatSync } from "node:fs";
import {
  closeFile,
  type FileMark,
  markedPrefix,
  type OpenFile,
  openFile,
  sameInode,
} from "./identity.ts";

/** Rotated copies are `<path>.1` (newest) to `<path>.N` (oldest), logrotate's numbering. */
const MAX_ROTATED = 20;

/** The rotated paths that exist, newest first: `.1`, `.2`, ... up to the first missing one. */
function rotatedPaths(source: string): string[] {
  const paths: string[] = [];
  for (let k = 1; k <= MAX_ROTATED; k++) {
    const path = `${source}.${k}`;
    if (!lstatSync(path, { throwIfNoEntry: false })) break;
    paths.push(path);
  }
  return paths;
}

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
 *   (copy-and-truncate rotation, found by fingerprint), its unread rest is read first, then
 *   the newer copies `.N-1`..`.1` from 0.
 * - `rotated`: the file read before is now `.N`: its rest, then any newer `.N-1`..`.1`, then
 *   the new file from 0.
 * - `replaced`: the file read before is nowhere to be found; every rotated file and the new
 *   file from 0 (lines mirrored before count as duplicates).
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

/**
 * Decides where to read `source` from, given what was read last (saved or just drained). The
 * rotated files are `.1` (newest) to `.N`; where the content read last now lives among them is
 * found by inode (a rename) or by fingerprint (a copy, as logrotate's copytruncate makes),
 * and every rotated file newer than it is read too, oldest first, before the live file.
 */
export function readingOrderFrom(source: string, last: LastRead | undefined): ReadingOrder {
  const live = openFile(source);
  if (!last) return { kind: "start", segments: live ? [fromStart(live, false)] : [] };
  const rotated = rotatedPaths(source);
  const notLive = (f: OpenFile) => !(live && sameInode(f, live));
  if (live && sameInode(live, last)) {
    const prefix = markedPrefix(live, last);
    if (prefix) return { kind: "resume", segments: [at(live, last, false, prefix)] };
    const copy = last.byteOffset > 0 ? findRotated(rotated, notLive, last) : null;
    const segments = copy ? [at(copy.file, last, true, copy.prefix)] : [];
    if (copy) segments.push(...newerThan(rotated, copy.index, notLive));
    if (live) segments.push(fromStart(live, false));
    return { kind: "truncated", segments };
  }
  const old = findRotated(rotated, (f) => sameInode(f, last), last);
  if (!old) {
    // The file read last is gone (deleted, or renamed over): every rotated file may hold
    // lines written after it, so all are read from the start, oldest first (lines already
    // mirrored count as duplicates).
    const segments = newerThan(rotated, rotated.length, notLive);
    if (live) segments.push(fromStart(live, false));
    return { kind: "replaced", segments };
  }
  const segments = [at(old.file, last, true, old.prefix)];
  segments.push(...newerThan(rotated, old.index, notLive));
  if (live) segments.push(fromStart(live, false));
  return { kind: "rotated", segments };
}

/** The rotated files newer than `rotated[index]` (that `accept`s), opened, oldest first. */
function newerThan(
  rotated: readonly string[],
  index: number,
  accept: (file: OpenFile) => boolean,
): Segment[] {
  const segments: Segment[] = [];
  for (let k = index - 1; k >= 0; k--) {
    const file = openFile(rotated[k] as string);
    if (file && accept(file)) segments.push(fromStart(file, true));
    else if (file) closeFile(file);
  }
  return segments;
}

/** The first rotated file that `accept`s and still holds what `last` saw, opened. */
function findRotated(
  rotated: readonly string[],
  accept: (file: OpenFile) => boolean,
  last: FileMark,
): { file: OpenFile; index: number; prefix: Buffer } | null {
  for (const [index, path] of rotated.entries()) {
    const file = openFile(path);
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
