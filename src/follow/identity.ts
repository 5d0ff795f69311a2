import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

/** How many leading bytes identify a file's content (with device and inode). */
export const FINGERPRINT_MAX = 1024;

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

export function sizeOf(file: OpenFile): number {
  return Number(fstatSync(file.fd, { bigint: true }).size);
}

/** The inode `path` names now, without opening it; undefined when it does not exist. */
export function inodeAt(path: string): { dev: string; ino: string; size: number } | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st ? { dev: String(st.dev), ino: String(st.ino), size: Number(st.size) } : undefined;
}

export const sameInode = (a: { dev: string; ino: string }, b: { dev: string; ino: string }) =>
  a.dev === b.dev && a.ino === b.ino;

/** The file's bytes [offset, offset + length); undefined when the file is shorter. */
export function bytesAt(file: OpenFile, offset: number, length: number): Buffer | undefined {
  const bytes = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(file.fd, bytes, got, length - got, offset + got);
    if (n === 0) return undefined;
    got += n;
  }
  return bytes;
}

export const digestOf = (bytes: Uint8Array): string =>
  createHash("sha256").update(bytes).digest("hex");

/**
 * Whether `file` still holds what `mark` saw (at least as long, the same first bytes); if it
 * does, those first bytes, which a reader resuming there extends with what it reads.
 */
export function markedPrefix(file: OpenFile, mark: FileMark): Buffer | undefined {
  if (sizeOf(file) < mark.byteOffset) return undefined;
  const bytes = bytesAt(file, 0, mark.fingerprintLength);
  return bytes && digestOf(bytes) === mark.fingerprint ? bytes : undefined;
}

/** Whether `file` holds `bytes` at `offset` (and so is at least that long). */
export function holdsBytes(file: OpenFile, offset: number, bytes: Uint8Array): boolean {
  const now = bytesAt(file, offset, bytes.length);
  return now?.equals(bytes) === true;
}
