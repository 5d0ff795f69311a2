import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  unlinkSync,
} from "node:fs";
import { dirname, join, sep } from "node:path";
import process from "node:process";
import { EventLogError } from "../errors.ts";
import { writeAllSync } from "../io/write-all.ts";
import { generateMessageId, idTimePrefix, skipCounterPast } from "./id.ts";
import { encodeMessage, type FmailMessage, formatFmailTime } from "./message.ts";
import { normalizeAgent, normalizeTags, normalizeTopic } from "./names.ts";
import { topicDir } from "./root.ts";

/** fmail regenerates a clashing ID this many times before giving up. */
const MAX_ID_TRIES = 10;
const DIR_MODE = 0o755;
/** A given ID becomes a file name: no separators, no leading dot. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const FILE_MODE = 0o644;

export interface PublishInput {
  from: string;
  body: unknown;
  /** Defaults to `now()`. */
  time?: Date;
  /** Defaults to a fresh ID for `time`; on a clash a fresh one is generated anyway. */
  id?: string;
  reply_to?: string;
  priority?: "low" | "normal" | "high";
  host?: string;
  tags?: readonly string[];
}

export interface PublishOptions {
  now?: () => Date;
  /** ID generator (fmail's by default); called with the message time. */
  newId?: (time: Date) => string;
  /** fsync the file before it becomes visible (off by default, as in fmail). */
  fsync?: boolean;
}

export interface Published {
  message: FmailMessage;
  path: string;
}

let tmpSeq = 0;

function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String(e.code) : undefined;
}

function writeFailed(path: string, e: unknown, what: string): EventLogError {
  const code = errnoCode(e) ?? "error";
  const fix =
    code === "ENOTDIR" || code === "EEXIST"
      ? "a file stands where a folder should be: remove it or point FMAIL_ROOT elsewhere"
      : code === "ENOSPC" || code === "EDQUOT"
        ? "free disk space"
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "make the folder writable or point FMAIL_ROOT at a writable folder"
          : "check the folder exists and is writable, or point FMAIL_ROOT elsewhere";
  return new EventLogError(
    "fmail_write_failed",
    `fmail could not ${what} ${path} (${code}): ${fix}`,
    { cause: e },
  );
}

function ensureTopicDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    throw writeFailed(dir, e, "create topic folder");
  }
  try {
    chmodSync(dir, DIR_MODE);
  } catch {
    // Like fmail: a folder we may not chmod (someone else's) is still usable.
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The topic folder must really be inside the fmail root: a symlink (of the topic, of
 * `topics/` or of `.fmail/`) that leads elsewhere would make us write files outside it.
 */
function requireInsideRoot(root: string, dir: string): void {
  const rootReal = realpathOrSelf(root);
  // Before the folder exists, its nearest existing part (`.fmail/`, `topics/`) is checked, so
  // that creating it cannot already write outside the root.
  let existing = dir;
  while (!existsSync(existing) && existing.length > root.length) existing = dirname(existing);
  const real = realpathOrSelf(existing);
  if (real === rootReal || real.startsWith(`${rootReal}${sep}`)) return;
  throw new EventLogError(
    "fmail_write_failed",
    `fmail refuses to publish into ${dir}: it resolves to ${real} (through a symlink), outside the fmail root ${rootReal}; replace the symlink with a real folder, or point FMAIL_ROOT at the root that holds it`,
  );
}

/** Write `bytes` to a fresh hidden temp file in `dir` that no reader lists. */
function writeTemp(dir: string, bytes: Uint8Array, fsync: boolean): string {
  tmpSeq = (tmpSeq + 1) % 1_000_000_000;
  const tmp = join(
    dir,
    `.tmp-${process.pid}-${tmpSeq}-${Math.random().toString(36).slice(2, 10)}.partial`,
  );
  let fd: number;
  try {
    fd = openSync(tmp, "wx", FILE_MODE);
  } catch (e) {
    throw writeFailed(tmp, e, "create temp file");
  }
  try {
    writeAllSync(fd, bytes);
    if (fsync) fsyncSync(fd);
  } catch (e) {
    closeQuietly(fd);
    unlinkQuietly(tmp);
    throw writeFailed(tmp, e, "write");
  }
  closeQuietly(fd);
  try {
    chmodSync(tmp, FILE_MODE);
  } catch {
    // umask-given mode is good enough.
  }
  return tmp;
}

const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/** fmail's write: create the final name with O_EXCL; false when it already exists. */
function writeExclusive(path: string, bytes: Uint8Array, fsync: boolean): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", FILE_MODE);
  } catch (e) {
    if (errnoCode(e) === "EEXIST") return false;
    throw writeFailed(path, e, "create");
  }
  try {
    writeAllSync(fd, bytes);
    if (fsync) fsyncSync(fd);
  } catch (e) {
    unlinkQuietly(path);
    throw writeFailed(path, e, "write");
  } finally {
    closeQuietly(fd);
  }
  return true;
}

/**
 * After a clash: move our ID counter past every counter already used in this second, plus
 * a random gap that doubles with each attempt, so two busy writers stop landing on the
 * same next ID (the listing is already stale when we act on it).
 */
function skipUsedCounters(dir: string, now: Date, attempt: number): void {
  const prefix = `${idTimePrefix(now)}-`;
  let max = -1;
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith(".json")) continue;
      const n = Number(name.slice(prefix.length, -".json".length));
      if (Number.isInteger(n) && n > max) max = n;
    }
  } catch {
    return;
  }
  skipCounterPast(max + Math.floor(Math.random() * (4 << attempt)));
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing to do
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Publish one message to `<root>/.fmail/topics/<topic>/<id>.json`.
 *
 * Unlike fmail (which writes the final file in place with O_EXCL), the bytes go to a
 * hidden temp file in the topic folder first, which is then hard-linked to the final name
 * (a link never replaces an existing file: EEXIST) and unlinked. A reader listing
 * `*.json` therefore sees either no file or the whole file. On EEXIST a new ID is
 * generated, up to 10 tries, like fmail.
 *
 * A topic folder whose real path leaves the root (a symlink to elsewhere) is refused.
 *
 * Throws `fmail_invalid_name` (topic/from/tags), `fmail_too_large`, `fmail_write_failed`.
 */
export function publish(
  root: string,
  topic: string,
  input: PublishInput,
  opts: PublishOptions = {},
): Published {
  const to = normalizeTopic(topic);
  const from = normalizeAgent(input.from);
  const tags = input.tags ? normalizeTags(input.tags) : [];
  const time = input.time ?? (opts.now ?? (() => new Date()))();
  const newId = opts.newId ?? generateMessageId;
  const dir = topicDir(root, to);
  if (input.id !== undefined && !SAFE_ID.test(input.id)) {
    throw new EventLogError(
      "input_invalid",
      `fmail message id ${JSON.stringify(input.id)} cannot be a file name: use letters, digits, '.', '_' and '-' (e.g. 20260111-153000-0001), or leave it out`,
    );
  }
  const message: FmailMessage = {
    id: input.id ?? newId(time),
    from,
    to,
    time: formatFmailTime(time),
    body: input.body,
    ...(input.reply_to ? { reply_to: input.reply_to } : {}),
    ...(input.priority ? { priority: input.priority } : {}),
    ...(input.host ? { host: input.host } : {}),
    ...(tags.length > 0 ? { tags } : {}),
  };
  let bytes = encodeMessage(message); // size check before touching the disk
  requireInsideRoot(root, dir);
  ensureTopicDir(dir);
  requireInsideRoot(root, dir);

  for (let attempt = 0; attempt < MAX_ID_TRIES; attempt++) {
    if (attempt > 0) {
      const now = (opts.now ?? (() => new Date()))();
      if (opts.newId === undefined) skipUsedCounters(dir, now, attempt);
      message.id = newId(now);
      bytes = encodeMessage(message);
    }
    const path = join(dir, `${message.id}.json`);
    const tmp = writeTemp(dir, bytes, opts.fsync ?? false);
    try {
      linkSync(tmp, path);
    } catch (e) {
      unlinkQuietly(tmp);
      const code = errnoCode(e);
      if (code === "EEXIST") continue;
      if (code !== undefined && NO_HARD_LINKS.has(code)) {
        // A file system without hard links: fall back to fmail's own O_EXCL write.
        if (writeExclusive(path, bytes, opts.fsync ?? false)) {
          return { message, path };
        }
        continue;
      }
      throw writeFailed(path, e, "publish");
    }
    unlinkQuietly(tmp);
    return { message, path };
  }
  throw new EventLogError(
    "fmail_write_failed",
    `fmail could not find a free message ID in ${dir} after ${MAX_ID_TRIES} tries: another writer is producing the same IDs; retry`,
  );
}
