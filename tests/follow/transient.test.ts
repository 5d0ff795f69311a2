import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers.ts";
import {
  cleanKeys,
  dbState,
  eventCount,
  expectNoTrace,
  holdLock,
  joinLines,
  realisticLines,
  runMirror,
  startFollower,
  stopFollower,
  writeLines,
} from "./legacy-lines.ts";

const T = 90_000;

test(
  "a write lock held by another process: without --follow exit 1 with one line; with it the batch waits, then goes in",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(400);
    writeLines(file, all.slice(0, 100));
    expect((await runMirror([file, "--db", db, "--quiet"])).exitCode).toBe(0);

    const lock = await holdLock(db);
    appendFileSync(file, joinLines(all.slice(100, 200)));
    const once = await runMirror([file, "--db", db, "--busy-timeout", "100"]);
    expect(once.exitCode).toBe(1);
    expect(once.stderr.trim().split("\n")).toHaveLength(1);
    expect(once.stderr).toContain(`database ${db} stayed locked by another connection`);

    const following = startFollower(file, db, ["--busy-timeout", "100"]);
    await waitFor("the condition", () => following.stderr.text().includes("this batch is retried"));
    appendFileSync(file, joinLines(all.slice(200)));
    await lock.release();
    const expected = await cleanKeys(dir, "clean", all);
    await waitFor("the condition", () => eventCount(db) >= expected.length);
    await waitFor("the condition", () => following.stderr.text().includes("takes writes again"));
    const { exitCode, stderr, summary } = await stopFollower(following);
    expect(exitCode).toBe(0);
    expectNoTrace(stderr);
    // Said once, however many attempts it took.
    expect(stderr.split("stayed locked").length).toBe(2);
    expect(summary).toMatchObject({ lines_read: 300, duplicates: 0 });
    const state = await dbState(db);
    expect(state.keys).toEqual(expected);
    expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
  },
  T,
);

const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync("umount", [m]);
});

/** Writes zeros to `path` until the filesystem is full. */
function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

test(
  "a full disk (a 4 MiB tmpfs): without --follow exit 1 with one line; with it the batch waits for space, then goes in",
  async () => {
    const dir = tempDir("fel-follow-");
    const disk = join(dir, "disk");
    mkdirSync(disk);
    const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", disk]);
    expect(mount.status).toBe(0);
    mounts.push(disk);
    try {
      const file = join(dir, "events.jsonl");
      const db = join(disk, "events.db");
      const filler = join(disk, "filler");
      const all = realisticLines(2600);
      writeLines(file, all.slice(0, 100));
      // The follower keeps the database open (its -wal and -shm files stay), so the disk
      // fills under a running writer, as it would in production.
      const following = startFollower(file, db);
      await waitFor("the condition", () => eventCount(db) > 0);

      fillDisk(filler);
      appendFileSync(file, joinLines(all.slice(100, 1300)));
      await waitFor("the condition", () =>
        following.stderr.text().includes("this batch is retried"),
      );
      expect(following.stderr.text()).toContain(
        "disk full while mirroring a batch of legacy lines",
      );
      const once = await runMirror([file, "--db", db]);
      expect(once.exitCode).toBe(1);
      expect(once.stderr.trim().split("\n")).toHaveLength(1);
      expect(once.stderr).toContain("disk full while mirroring a batch of legacy lines");

      appendFileSync(file, joinLines(all.slice(1300)));
      rmSync(filler);
      const expected = await cleanKeys(dir, "clean", all);
      await waitFor("the condition", () => eventCount(db) >= expected.length);
      const { exitCode, stderr } = await stopFollower(following);
      expect(exitCode).toBe(0);
      expectNoTrace(stderr);
      expect(stderr.split("disk full").length).toBe(2);
      expect(stderr).toContain("takes writes again");
      const state = await dbState(db);
      expect(state.keys).toEqual(expected);
      expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
    } finally {
      spawnSync("umount", [disk]);
      mounts.splice(mounts.indexOf(disk), 1);
    }
  },
  T,
);
