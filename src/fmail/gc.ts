import { lstatSync, readdirSync, realpathSync, unlinkSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { compareCodePoints } from "../encoding/unicode.ts";
import { EventLogError } from "../errors.ts";
import { isMessageId, parseMessageIdTime } from "./id.ts";
import { isValidName, normalizeTopic } from "./names.ts";
import { fmailDir } from "./root.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A leftover publish temp file is only removed once it is at least this old. */
const TEMP_GRACE_MS = 60 * 60 * 1000;
/** The temp files `publish` writes: `.tmp-<pid>-<n>-<rand>.partial`. */
const TEMP_FILE = /^\.tmp-\d+-\d+-[a-z0-9]+\.partial$/;

export interface GcOptions {
  /** Remove messages older than this many days (fmail's default is 7). */
  days: number;
  /** Only this topic (default: every topic). */
  topic?: string;
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  now?: Date;
}

export interface GcResult {
  /** Paths relative to `.fmail/` (as `fmail gc --dry-run` prints them), sorted. */
  removed: string[];
  /** Topic folders left alone because they are symlinks or lead outside the fmail root. */
  skipped: { path: string; reason: string }[];
  dryRun: boolean;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort(compareCodePoints);
  } catch {
    return [];
  }
}

/** The entry itself (never what a symlink points at), when it is a regular file. */
function regularFileMtime(path: string): number | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}${sep}`);

/** Why `dir` (a topic folder) must not be touched, or undefined when it is a real folder inside the root. */
function refusal(dir: string, rootReal: string): string | undefined {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    return undefined; // missing: nothing to do
  }
  if (st.isSymbolicLink()) return `a symlink (to ${realpath(dir) ?? "nowhere"}); not followed`;
  if (!st.isDirectory()) return "not a folder";
  const real = realpath(dir);
  if (real === undefined || !inside(real, rootReal)) {
    return `resolves to ${real ?? "nowhere"}, outside the fmail root ${rootReal}`;
  }
  return undefined;
}

/**
 * `fmail gc --days N [--dry-run]` for topics: remove messages older than N days, age taken
 * from the ID's `YYYYMMDD-HHMMSS` prefix. Only regular files named like a message
 * (`YYYYMMDD-HHMMSS-NNNN.json`) are removed, and publish temp files
 * (`.tmp-<pid>-<n>-<rand>.partial`) a crashed writer left behind, when older than both the
 * cutoff and one hour. A topic folder that is a symlink, or whose real path leaves the fmail
 * root, is skipped (listed in `skipped`): gc never leaves the root. Direct-message folders are
 * not touched.
 */
export function gcTopics(root: string, opts: GcOptions): GcResult {
  if (!Number.isFinite(opts.days) || opts.days < 0) {
    throw new EventLogError("usage", `gc days must be a number >= 0, got ${opts.days}`);
  }
  const now = (opts.now ?? new Date()).getTime();
  const cutoff = now - opts.days * DAY_MS;
  const base = fmailDir(root);
  const topicsRoot = join(base, "topics");
  const topics =
    opts.topic !== undefined ? [normalizeTopic(opts.topic)] : list(topicsRoot).filter(isValidName);
  const removed: string[] = [];
  const skipped: GcResult["skipped"] = [];
  const rootReal = realpath(root) ?? root;
  for (const topic of topics) {
    const dir = join(topicsRoot, topic);
    const why = refusal(dir, rootReal);
    if (why !== undefined) {
      skipped.push({ path: relative(base, dir), reason: why });
      continue;
    }
    for (const name of list(dir)) {
      const path = join(dir, name);
      let old: boolean;
      if (name.endsWith(".json") && isMessageId(name.slice(0, -".json".length))) {
        const t = parseMessageIdTime(name)?.getTime();
        old = t !== undefined && t < cutoff && regularFileMtime(path) !== undefined;
      } else if (TEMP_FILE.test(name)) {
        const t = regularFileMtime(path);
        old = t !== undefined && t < Math.min(cutoff, now - TEMP_GRACE_MS);
      } else continue;
      if (!old) continue;
      if (!opts.dryRun) {
        try {
          unlinkSync(path);
        } catch (e) {
          if ((e as { code?: string }).code === "ENOENT") continue;
          throw new EventLogError(
            "fmail_write_failed",
            `fmail gc could not remove ${path}: make the folder writable`,
            { cause: e },
          );
        }
      }
      removed.push(relative(base, path));
    }
  }
  return { removed, skipped, dryRun: opts.dryRun ?? false };
}
