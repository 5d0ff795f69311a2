import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { sha256Hex } from "../encoding/sha256.ts";
import { EventLogError } from "../errors.ts";

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

/**
 * What a path names now: a regular file (its inode and size), nothing, or something a JSONL
 * file cannot be (`what` says which, for a message). Never opens it.
 */
export type PathState =
  | { kind: "file"; dev: string; ino: string; size: number }
  | { kind: "missing" }
  | { kind: "other"; what: string };

function whatIs(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

export function pathState(path: string): PathState {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { kind: "other", what: "a symlink loop" };
    if (code === "ENOTDIR") return { kind: "missing" };
    if (code === "EACCES") return { kind: "other", what: "not accessible (permission denied)" };
    throw e;
  }
  if (!st) return { kind: "missing" };
  if (!st.isFile()) return { kind: "other", what: whatIs(st as unknown as Stats) };
  return { kind: "file", dev: String(st.dev), ino: String(st.ino), size: Number(st.size) };
}

/**
 * Opens `path` for reading; undefined when it names no regular file (yet, or any more). It is
 * checked before it is opened, and opened non-blocking, so a FIFO never blocks open(2).
 */
export function openFile(path: string): OpenFile | undefined {
  if (pathState(path).kind !== "file") return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP" || code === "ENOTDIR") return undefined;
    if (code === "EACCES" || code === "EPERM") {
      throw new EventLogError(
        "input_invalid",
        `cannot read ${path} (permission denied); let this user read it, or run the mirror as one who can`,
        { cause: e },
      );
    }
    throw e;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) {
      closeSync(fd);
      return undefined;
    }
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

/** The inode `path` names now, without opening it; undefined unless it is a regular file. */
export function inodeAt(path: string): { dev: string; ino: string; size: number } | undefined {
  const state = pathState(path);
  return state.kind === "file" ? state : undefined;
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

export const digestOf = (bytes: Uint8Array): string => sha256Hex(bytes);

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
