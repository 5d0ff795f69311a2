import { expect, test } from "bun:test";
import { appendFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers.ts";
import {
  cleanKeys,
  committedLine,
  dbState,
  eventCount,
  expectNoTrace,
  holdLock,
  joinLines,
  realisticLines,
  startFollower,
  stopFollower,
  writeLines,
} from "./legacy-lines.ts";

test("retention rewrites the file in place while a read batch waits for the write lock: the batch is dropped and the new file read from its start, no fragment", async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const all = realisticLines(600);
  writeLines(file, all.slice(0, 200));
  const following = startFollower(file, db, ["--busy-timeout", "100"]);
  await waitFor("the condition", () => committedLine(db) === 200);
  const { ino } = statSync(file);

  // Another process holds the write lock; the follower reads lines 201-300 and waits.
  const lock = await holdLock(db);
  appendFileSync(file, joinLines(all.slice(200, 300)));
  await waitFor("the condition", () => following.stderr.text().includes("this batch is retried"));
  // Retention, in place: the last 50 lines, then the runner goes on past the old offset.
  writeLines(file, all.slice(250, 300));
  appendFileSync(file, joinLines(all.slice(300)));
  expect(statSync(file).ino).toBe(ino);
  await lock.release();

  // Lines 201-250 were removed before they could be committed; everything on disk is there.
  const kept = [...all.slice(0, 200), ...all.slice(250)];
  const expected = await cleanKeys(dir, "clean", kept);
  await waitFor(
    "the condition",
    () => eventCount(db) >= expected.length && committedLine(db) === 350,
  );
  const { exitCode, stderr, summary } = await stopFollower(following);
  expect(exitCode).toBe(0);
  expectNoTrace(stderr);
  expect(stderr).toContain("was truncated");
  expect(summary).toMatchObject({ truncations: 1, quarantined: 0 });
  const state = await dbState(db);
  expect(state.keys).toEqual(expected);
  expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
}, 60_000);
