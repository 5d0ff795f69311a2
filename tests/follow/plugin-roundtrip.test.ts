import { expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../helpers.ts";
import { runSession } from "../plugin/session.ts";
import { dbState, runMirror } from "./legacy-lines.ts";

test("a JSONL the plugin wrote while mirroring, mirrored again into the same database: zero new events", async () => {
  const dir = tempDir("fel-follow-");
  await runSession(dir, { jsonl: "events.jsonl", db: "events.db", mirror: true });
  const db = join(dir, "events.db");
  const before = await dbState(db);
  expect(before.events).toBeGreaterThan(50);

  const run = await runMirror([join(dir, "events.jsonl"), "--db", db, "--json"]);
  expect(run.exitCode).toBe(0);
  expect(run.summary).toMatchObject({
    lines_read: 56,
    events_appended: 0,
    duplicates: before.events,
    conflicts: 0,
    quarantined: 0,
  });
  expect(await dbState(db)).toEqual(before);
}, 30_000);

test("the same JSONL mirrored into a fresh database gives the plugin's events, key for key", async () => {
  const dir = tempDir("fel-follow-");
  await runSession(dir, { jsonl: "events.jsonl", db: "plugin.db", mirror: true });
  const fresh = join(dir, "fresh.db");
  const run = await runMirror([join(dir, "events.jsonl"), "--db", fresh, "--json"]);
  expect(run.summary).toMatchObject({ skipped_kinds: expect.any(Object), quarantined: 0 });
  expect((await dbState(fresh)).keys).toEqual((await dbState(join(dir, "plugin.db"))).keys);
}, 30_000);
