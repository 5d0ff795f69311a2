import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir, waitFor } from "../helpers.ts";
import {
  committedLine,
  dbState,
  MIRROR_CLI,
  realisticLines,
  runMirror,
  writeLines,
} from "./legacy-lines.ts";

const INITIAL_LINES = 200_000;
const APPENDED_LINES = 12_000;
const KILLS = 20;
/** Kill points stay in the first three quarters, so each follower still has lines to commit. */
const KILL_BEFORE_LINE = (INITIAL_LINES * 3) / 4;

const TITLE = `kill -9 the follower ${KILLS} times during a ${INITIAL_LINES}-line backfill while a writer appends: exactly the clean run's events`;

test(TITLE, async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  writeLines(file, realisticLines(INITIAL_LINES));

  const writer = Bun.spawn(
    [
      process.execPath,
      join(REPO, "tests/fixtures/follow-writer.ts"),
      file,
      String(INITIAL_LINES),
      String(APPENDED_LINES),
      "150",
      "40",
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  // Kill points: random lines of the backfill, in order. Each follower is killed once the
  // committed position has passed its point (and moved at all), so the kill lands wherever
  // that follower then is: mid-batch, mid-commit, or between batches.
  const killAt = Array.from({ length: KILLS }, () =>
    Math.floor(Math.random() * KILL_BEFORE_LINE),
  ).sort((a, b) => a - b);
  const positions: number[] = [];
  for (const target of killAt) {
    const before = committedLine(db);
    const proc = Bun.spawn(
      [process.execPath, MIRROR_CLI, file, "--db", db, "--follow", "--quiet"],
      {
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    await waitFor(
      "the condition",
      () => {
        if (proc.exitCode !== null) throw new Error(`the follower exited (${proc.exitCode})`);
        return committedLine(db) > Math.max(before, target);
      },
      90_000,
    );
    proc.kill(9);
    expect(await proc.exited).not.toBe(0);
    positions.push(committedLine(db));
  }
  expect(await writer.exited).toBe(0);

  // Most kills landed during the backfill; the position moved on, and never back.
  const backfilling = positions.filter((line) => line < INITIAL_LINES + APPENDED_LINES);
  expect(backfilling.length).toBeGreaterThanOrEqual(KILLS / 2);
  expect(positions.at(-1)).toBeGreaterThan(0);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);

  const last = await runMirror([file, "--db", db, "--json", "--quiet"]);
  expect(last.exitCode).toBe(0);
  expect(last.summary).toMatchObject({
    threads: 2,
    quarantined: 0,
    position: { line_number: INITIAL_LINES + APPENDED_LINES, pending_bytes: 0 },
  });

  const cleanFile = join(dir, "clean.jsonl");
  const cleanDb = join(dir, "clean.db");
  await Bun.write(cleanFile, readFileSync(file));
  const clean = await runMirror([cleanFile, "--db", cleanDb, "--json", "--quiet", "--no-threads"]);
  expect(clean.exitCode).toBe(0);
  expect(clean.summary).toMatchObject({ threads: 1, lines_read: INITIAL_LINES + APPENDED_LINES });

  const [killed, reference] = await Promise.all([dbState(db), dbState(cleanDb)]);
  expect(killed.events).toBe(reference.events);
  expect(killed.keys).toEqual(reference.keys);
  expect(new Set(killed.keys).size).toBe(killed.keys.length);
  expect(killed).toMatchObject({ gapless: true, verified: true, quarantine: [] });
  expect(reference.quarantine).toEqual([]);
}, 180_000);
