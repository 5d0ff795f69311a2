import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { compareCodePoints } from "../encoding/unicode.ts";
import { EventLogError } from "../errors.ts";
import { parseMessageIdTime } from "./id.ts";
import { isValidName, normalizeTopic } from "./names.ts";
import { fmailDir } from "./root.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A leftover publish temp file is only removed once it is at least this old. */
const TEMP_GRACE_MS = 60 * 60 * 1000;

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
  dryRun: boolean;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort(compareCodePoints);
  } catch {
    return [];
  }
}

function mtimeMs(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `fmail gc --days N [--dry-run]` for topics: remove `*.json` messages older than N days,
 * age taken from the ID's `YYYYMMDD-HHMMSS` prefix, else the file's mtime. Also removes
 * publish temp files (`.tmp-*.partial`) a crashed writer left behind, when older than both
 * the cutoff and one hour. Direct-message folders are not touched.
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
  for (const topic of topics) {
    const dir = join(topicsRoot, topic);
    for (const name of list(dir)) {
      const path = join(dir, name);
      let old: boolean;
      if (name.endsWith(".json")) {
        const t = parseMessageIdTime(name)?.getTime() ?? mtimeMs(path);
        old = t !== undefined && t < cutoff;
      } else if (name.startsWith(".tmp-") && name.endsWith(".partial")) {
        const t = mtimeMs(path);
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
  return { removed, dryRun: opts.dryRun ?? false };
}
