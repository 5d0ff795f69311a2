import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers.ts";
import { expectStoredProjectionCurrent, projectionAtHead } from "../replay/projection-at-head.ts";
import {
  cleanKeys,
  dbState,
  eventCount,
  joinLines,
  realisticLines,
  startFollower,
  stopFollower,
  writeLines,
} from "./legacy-lines.ts";

/**
 * `count` lines, the first `written` of them in a new file, a follower on it, and the head
 * once the follower has brought the projection up to it.
 */
async function followed(count: number, written: number) {
  const dir = tempDir("fel-idle-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const all = realisticLines(count);
  writeLines(file, all.slice(0, written));
  const follower = startFollower(file, db);
  const first = await waitFor("the projection at the head", () => projectionAtHead(db));
  return { dir, file, db, all, follower, first };
}

test("an idle follower brings the timeline projection up to the head, with no timeline call", async () => {
  const { file, db, all, follower, first } = await followed(200, 120);
  appendFileSync(file, joinLines(all.slice(120)));
  const second = await waitFor("the projection at the new head", () =>
    projectionAtHead(db, first + 1),
  );
  const { exitCode, stderr } = await stopFollower(follower);
  expect(exitCode).toBe(0);
  expect(stderr).not.toContain("could not bring the timeline projection");
  expect(eventCount(db)).toBe(second);
  await expectStoredProjectionCurrent(db);
}, 60_000);

test("a projection the follower cannot write is said once; the lines go on being mirrored", async () => {
  const { dir, file, db, all, follower, first } = await followed(150, 50);
  // Another hand drops a table the projection is stored in.
  const d = new Database(db);
  d.exec("PRAGMA busy_timeout = 5000; DROP TABLE timeline_tasks");
  d.close();
  appendFileSync(file, joinLines(all.slice(50, 100)));
  await waitFor("the notice", () =>
    follower.stderr.text().includes("could not bring the timeline"),
  );
  appendFileSync(file, joinLines(all.slice(100)));
  const expected = await cleanKeys(dir, "clean", all);
  await waitFor("every line mirrored", () => eventCount(db) >= expected.length);
  const { exitCode, stderr } = await stopFollower(follower);
  expect(exitCode).toBe(0);
  expect(stderr.split("could not bring the timeline projection").length).toBe(2);
  expect(stderr).toContain("'forge-eventlog timeline' does it when it runs");
  expect(eventCount(db)).toBeGreaterThan(first);
  expect((await dbState(db)).keys).toEqual(expected);
}, 60_000);
