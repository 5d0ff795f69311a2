import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers.ts";
import {
  committedLine,
  MIRROR_CLI,
  realisticLines,
  runMirror,
  writeLines,
} from "./legacy-lines.ts";

const LINES = 30_000;
const KILLS = 6;

function occurredAt(db: string): Map<string, string> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d
      .query<{ k: string; t: string }, []>(
        "SELECT idempotency_key AS k, occurred_at AS t FROM events",
      )
      .all();
    return new Map(rows.map((r) => [r.k, r.t]));
  } finally {
    d.close();
  }
}

test(`records without ts take the previous line's ts: a run in one go and one killed -9 ${KILLS} times give every event the same occurred_at`, async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const lines = realisticLines(LINES); // every 7th line has no ts
  writeLines(file, lines);
  const oneGoFile = join(dir, "one-go.jsonl");
  const oneGoDb = join(dir, "one-go.db");
  copyFileSync(file, oneGoFile);
  expect((await runMirror([oneGoFile, "--db", oneGoDb, "--quiet"])).exitCode).toBe(0);

  let before = 0;
  for (let i = 0; i < KILLS; i++) {
    const threads = i % 2 === 0 ? [] : ["--no-threads"];
    const proc = Bun.spawn(
      [
        process.execPath,
        MIRROR_CLI,
        file,
        "--db",
        db,
        "--follow",
        "--quiet",
        "--batch-lines",
        "37",
        ...threads,
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    await waitFor(
      "the condition",
      () => {
        if (proc.exitCode !== null) throw new Error(`the mirror exited (${proc.exitCode})`);
        return committedLine(db) > before;
      },
      60_000,
    );
    proc.kill(9);
    await proc.exited;
    before = committedLine(db);
  }
  expect(before).toBeLessThan(LINES);
  expect((await runMirror([file, "--db", db, "--quiet"])).exitCode).toBe(0);

  const [killed, oneGo] = [occurredAt(db), occurredAt(oneGoDb)];
  expect(killed.size).toBe(oneGo.size);
  const differing = [...oneGo].filter(([key, at]) => killed.get(key) !== at);
  expect(differing).toEqual([]);

  // The time is the previous line's: line 4 (index 3) has no ts, line 3 has one.
  expect(JSON.parse(lines[3] as string).ts).toBeUndefined();
  const pairFile = join(dir, "pair.jsonl");
  const pairDb = join(dir, "pair.db");
  writeLines(pairFile, lines.slice(2, 4));
  expect((await runMirror([pairFile, "--db", pairDb, "--quiet"])).exitCode).toBe(0);
  const times = [...occurredAt(pairDb).values()];
  expect(times.length).toBeGreaterThan(1);
  expect(new Set(times).size).toBe(1);
}, 180_000);
