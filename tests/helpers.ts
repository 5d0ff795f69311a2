/**
 * What every test folder shares: temp dirs (removed after each test by tests/preload.ts),
 * running the CLI as a real process, waiting on an observed fact, and test clocks. It does not
 * import bun:test, so the programs in tests/fixtures can use it too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "..");
export const MAIN = join(REPO, "src/cli/main.ts");

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the current test. */
export function tempDir(prefix = "fel-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made so far. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Run this executable instead of `bun src/cli/main.ts` (e.g. the compiled binary). */
  command?: string[];
}

/** Runs the CLI as a real process with NO_COLOR=1, from `cwd` (default: a neutral temp dir). */
export async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const proc = Bun.spawn([...(options.command ?? [process.execPath, MAIN]), ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: environment({ NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env }),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** process.env with `changes` applied; an undefined value removes the variable. */
function environment(changes: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...changes })) {
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/** JSON lines of stdout. */
export const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));

/**
 * Polls `fact` until it returns true (or a value other than false/undefined), with a deadline:
 * tests wait on an observed fact, never on a guessed sleep. Throws, naming `what`, when the
 * deadline passes.
 */
export async function waitFor<T>(
  what: string,
  fact: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await fact();
    if (got !== false && got !== undefined) return got;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A clock that starts at `iso` and moves `stepMs` forward on every call. */
export function steppingClock(iso: string, stepMs: number): () => Date {
  let t = Date.parse(iso) - stepMs;
  return () => {
    t += stepMs;
    return new Date(t);
  };
}

/** IDs `<prefix>-0001`, `<prefix>-0002`, ... */
export function sequentialIds(prefix: string): (time: Date) => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(4, "0")}`;
}
