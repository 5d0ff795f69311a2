import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";

/** The environment variable that pins the fmail project root. */
const FMAIL_ROOT_ENV = "FMAIL_ROOT";

export type FmailRootSource = "env" | "fmail" | "git" | "cwd";

export interface FmailRoot {
  /** The project root: messages live under `<root>/.fmail/`. */
  root: string;
  /** Which rule picked it. */
  source: FmailRootSource;
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Nearest directory from `start` upwards (inclusive) for which `test(dir)` holds. */
function walkUp(start: string, test: (dir: string) => boolean): string | undefined {
  let dir = start;
  for (;;) {
    if (test(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * A linked worktree has a `.git` FILE reading `gitdir: <main>/.git/worktrees/<name>`;
 * fmail then uses the main worktree's root so all worktrees share one mailbox.
 */
function mainWorktreeRoot(repoRoot: string): string | undefined {
  const marker = join(repoRoot, ".git");
  if (isDir(marker)) return undefined;
  let text: string;
  try {
    text = readFileSync(marker, "utf8");
  } catch {
    return undefined;
  }
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.startsWith("gitdir:"));
  if (line === undefined) return undefined;
  const raw = line.slice("gitdir:".length).trim();
  if (raw === "") return undefined;
  const gitDir = canonical(isAbsolute(raw) ? raw : join(repoRoot, raw));
  const needle = `${sep}.git${sep}worktrees${sep}`;
  const at = gitDir.indexOf(needle);
  if (at < 0) return undefined;
  const main = gitDir.slice(0, at) || sep;
  return isDir(join(main, ".git")) ? main : undefined;
}

/**
 * fmail's root discovery, as a function of (cwd, env) only:
 * 1. `$FMAIL_ROOT` (trimmed; relative to `cwd`),
 * 2. the nearest ancestor of `cwd` (inclusive) holding a `.fmail/` directory,
 * 3. the git root (nearest ancestor with `.git`; for a linked worktree, whose `.git` is a
 *    file, the main worktree's root),
 * 4. `cwd` itself.
 * It reads the file system but never writes and never throws.
 */
export function discoverFmailRoot(
  cwd: string,
  env: Readonly<Record<string, string | undefined>> = {},
): FmailRoot {
  const pinned = env[FMAIL_ROOT_ENV]?.trim();
  if (pinned) return { root: canonical(resolve(cwd, pinned)), source: "env" };

  const start = canonical(cwd);
  const withFmail = walkUp(start, (dir) => isDir(join(dir, ".fmail")));
  if (withFmail !== undefined) return { root: withFmail, source: "fmail" };

  const gitRoot = walkUp(start, (dir) => exists(join(dir, ".git")));
  if (gitRoot !== undefined) {
    return { root: mainWorktreeRoot(gitRoot) ?? gitRoot, source: "git" };
  }
  return { root: start, source: "cwd" };
}

/** `<root>/.fmail` */
export function fmailDir(root: string): string {
  return join(root, ".fmail");
}

/** `<root>/.fmail/topics/<topic>` (topic must already be normalised). */
export function topicDir(root: string, topic: string): string {
  return join(root, ".fmail", "topics", topic);
}
