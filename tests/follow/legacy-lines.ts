import { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { legacyLine } from "../../src/encoding/python-json.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { REPO, waitFor } from "../helpers.ts";

export const MIRROR_CLI = join(REPO, "src", "cli", "mirror.ts");
const LOCK_HOLDER = join(REPO, "tests", "fixtures", "store-lock-holder.ts");
const GOLDEN = join(REPO, "tests", "plugin", "golden", "demo-session.jsonl");

const golden: Record<string, unknown>[] = readFileSync(GOLDEN, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));

const BASE_MS = Date.parse("2026-06-02T12:00:00.000Z");

/**
 * `count` realistic legacy lines as the Python runner writes them: the demo session's records
 * over and over, each with its own `ts` and every session with its own ticks; every 7th record
 * has no `ts` at all (as some runner code paths write) but a `seq`. No two lines are alike.
 */
export function realisticLines(count: number, from = 0): string[] {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++) {
    const template = golden[i % golden.length] as Record<string, unknown>;
    const session = Math.floor(i / golden.length);
    const rec: Record<string, unknown> = { ...template };
    if (typeof rec.tick === "number") rec.tick += session * 4;
    if (i % 7 === 3) {
      delete rec.ts;
      rec.seq = i;
    } else {
      rec.ts = new Date(BASE_MS + i * 1000 + (i % 997)).toISOString();
    }
    // Each repeat of the session merges PRs of its own (one PR merges once): numbers shift.
    const line = legacyLine(rec).replace(
      /(\/pull\/|"pr": )(\d+)/g,
      (_m, lead: string, n: string) => `${lead}${Number(n) + session * 1000}`,
    );
    lines.push(line);
  }
  return lines;
}

export const joinLines = (lines: readonly string[], eol = "\n") =>
  lines.map((l) => `${l}${eol}`).join("");

export function writeLines(path: string, lines: readonly string[], eol = "\n"): void {
  writeFileSync(path, joinLines(lines, eol));
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  summary: Record<string, unknown> | undefined;
}

/** Runs `forge-eventlog mirror` in its own process (`--json` summary parsed when present). */
export async function runMirror(args: readonly string[]): Promise<RunResult> {
  const proc = Bun.spawn([process.execPath, MIRROR_CLI, ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const last = stdout.trim().split("\n").pop();
  let summary: Record<string, unknown> | undefined;
  try {
    summary = last ? JSON.parse(last) : undefined;
  } catch {
    summary = undefined;
  }
  return { exitCode, stdout, stderr, summary };
}

export interface DbState {
  keys: string[];
  events: number;
  gapless: boolean;
  verified: boolean;
  quarantine: {
    source: string;
    line_number: number;
    byte_offset: number;
    raw: string;
    reason: string;
  }[];
}

/** What a database holds, read with plain bun:sqlite plus the store's verifier. */
export async function dbState(path: string): Promise<DbState> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .query<{ sequence: number; idempotency_key: string }, []>(
        "SELECT sequence, idempotency_key FROM events ORDER BY sequence",
      )
      .all();
    const quarantine = db
      .query<DbState["quarantine"][number], []>(
        "SELECT source, line_number, byte_offset, raw, reason FROM quarantine ORDER BY id",
      )
      .all();
    const store = await EventStore.open(path, { readonly: true });
    const verified = store.verify().ok;
    store.close();
    return {
      keys: rows.map((r) => r.idempotency_key).sort(),
      events: rows.length,
      gapless: rows.every((r, i) => r.sequence === i + 1),
      verified,
      quarantine,
    };
  } finally {
    db.close();
  }
}

/** The keys a clean one-shot mirror of `lines` gives (its own process, a fresh database). */
export async function cleanKeys(dir: string, name: string, lines: readonly string[]) {
  const file = join(dir, `${name}.jsonl`);
  const db = join(dir, `${name}.db`);
  writeLines(file, lines);
  const run = await runMirror([file, "--db", db, "--json", "--quiet"]);
  if (run.exitCode !== 0) throw new Error(`clean run failed: ${run.stderr}`);
  return (await dbState(db)).keys;
}

/** Events in a database another process is writing (0 before it exists). */
export function eventCount(path: string): number {
  try {
    const db = new Database(path, { readonly: true });
    try {
      return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events").get()?.n ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** The committed file position (lines consumed) in a database another process is writing; 0 before the first commit. */
export function committedLine(db: string): number {
  try {
    const d = new Database(db, { readonly: true });
    try {
      return (
        d.query<{ n: number }, []>("SELECT line_number AS n FROM follow_positions").get()?.n ?? 0
      );
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

/** A process's stderr as far as it has come. */
export function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const decoder = new TextDecoder();
  const closed = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })();
  return { text: () => text, closed };
}

export function startFollower(file: string, db: string, extra: string[] = []) {
  const proc = Bun.spawn(
    [process.execPath, MIRROR_CLI, file, "--db", db, "--follow", "--json", ...extra],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  return { proc, stderr: collect(proc.stderr) };
}

export async function stopFollower(f: ReturnType<typeof startFollower>) {
  f.proc.kill("SIGTERM");
  const [stdout, exitCode] = await Promise.all([
    new Response(f.proc.stdout).text(),
    f.proc.exited,
    f.stderr.closed,
  ]);
  return { exitCode, stderr: f.stderr.text(), summary: JSON.parse(stdout.trim()) };
}

/** A second process holding the database's write lock until `release()`. */
export async function holdLock(db: string) {
  const proc: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn(
    [process.execPath, LOCK_HOLDER, db],
    { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
  );
  const out = collect(proc.stdout);
  await waitFor("the lock holder to say locked", () => out.text().includes("locked"));
  return {
    release: async () => {
      proc.stdin.write("release\n");
      await proc.stdin.end();
      await proc.exited;
    },
  };
}

/** No stack trace, no unhandled rejection: only one-line messages. */
export function expectNoTrace(stderr: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain("line worker closed");
  expect(stderr).not.toContain("unexpected failure");
}
