import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

/** How many leading bytes identify a file's content (with device and inode). */
const FINGERPRINT_MAX = 1024;

/** An open legacy JSONL file and the identity it had when opened. */
export interface OpenFile {
  path: string;
  fd: number;
  dev: string;
  ino: string;
  /** Set by closeFile: a descriptor number is reused once closed, so it is closed only once. */
  closed: boolean;
}

/** What a follower remembers about the file it read: identity, fingerprint, offset. */
export interface FileMark {
  dev: string;
  ino: string;
  fingerprint: string;
  fingerprintLength: number;
  byteOffset: number;
}

/** Opens `path` for reading; undefined when there is no such file (yet, or any more). */
export function openFile(path: string): OpenFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    return { path, fd, dev: String(st.dev), ino: String(st.ino), closed: false };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export function closeFile(file: OpenFile): void {
  if (file.closed) return;
  file.closed = true;
  closeSync(file.fd);
}

function sizeOf(file: OpenFile): number {
  return Number(fstatSync(file.fd, { bigint: true }).size);
}

/** The inode `path` names now, without opening it; undefined when it does not exist. */
export function inodeAt(path: string): { dev: string; ino: string; size: number } | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st ? { dev: String(st.dev), ino: String(st.ino), size: Number(st.size) } : undefined;
}

export const sameInode = (a: { dev: string; ino: string }, b: { dev: string; ino: string }) =>
  a.dev === b.dev && a.ino === b.ino;

/** sha256 hex of the first `length` bytes; undefined when the file is shorter. */
export function fingerprintOf(file: OpenFile, length: number): string | undefined {
  const bytes = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(file.fd, bytes, got, length - got, got);
    if (n === 0) return undefined;
    got += n;
  }
  return createHash("sha256").update(bytes).digest("hex");
}

/** The fingerprint length for a file read up to `byteOffset`. */
export const fingerprintLengthAt = (byteOffset: number) => Math.min(byteOffset, FINGERPRINT_MAX);

/** Whether `file` still holds what `mark` saw: at least as long, and the same first bytes. */
export function holdsMarkedContent(file: OpenFile, mark: FileMark): boolean {
  if (sizeOf(file) < mark.byteOffset) return false;
  return fingerprintOf(file, mark.fingerprintLength) === mark.fingerprint;
}
