import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers.ts";
import {
  cleanKeys,
  dbState,
  eventCount,
  expectNoTrace,
  realisticLines,
  runMirror,
  startFollower,
  stopFollower,
  writeLines,
} from "./legacy-lines.ts";

const T = 60_000;

function mkfifo(path: string): void {
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
}

test(
  "without --follow: a missing file exits 1, a directory, a symlink loop or a FIFO exits 2, each with one line naming it and the fix",
  async () => {
    const dir = tempDir("fel-follow-");
    const db = join(dir, "events.db");
    const cases: [string, () => void, number, string][] = [
      ["missing.jsonl", () => {}, 1, "no file at"],
      [
        "dir.jsonl",
        () => mkdirSync(join(dir, "dir.jsonl")),
        2,
        "is a directory, not a regular file",
      ],
      [
        "loop.jsonl",
        () => {
          symlinkSync(join(dir, "loop-b"), join(dir, "loop.jsonl"));
          symlinkSync(join(dir, "loop.jsonl"), join(dir, "loop-b"));
        },
        2,
        "is a symlink loop, not a regular file",
      ],
      [
        "fifo.jsonl",
        () => mkfifo(join(dir, "fifo.jsonl")),
        2,
        "is a FIFO (named pipe), not a regular file",
      ],
    ];
    for (const [name, make, code, text] of cases) {
      make();
      const path = join(dir, name);
      const run = await runMirror([path, "--db", db]);
      expect({ name, code: run.exitCode }).toEqual({ name, code });
      const lines = run.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(text);
      expect(run.stderr).toContain(path);
      expect(run.stderr).toContain("pass the runner's JSONL");
    }
  },
  T,
);

test(
  "--follow with no file yet waits for it (said once), then mirrors it; SIGTERM exits 0",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const following = startFollower(file, db);
    await waitFor("the condition", () =>
      following.stderr.text().includes("waiting for it to appear"),
    );
    const all = realisticLines(80);
    writeLines(file, all);
    const expected = await cleanKeys(dir, "clean", all);
    await waitFor("the condition", () => eventCount(db) >= expected.length);
    const { exitCode, stderr, summary } = await stopFollower(following);
    expect(exitCode).toBe(0);
    expectNoTrace(stderr);
    expect(stderr.split("waiting for it to appear").length).toBe(2);
    expect(summary).toMatchObject({ lines_read: 80, stopped_by: "signal" });
    expect((await dbState(db)).keys).toEqual(expected);
  },
  T,
);

test(
  "--follow while the path is a FIFO, a directory, then a symlink loop: it waits (never blocked in open), SIGTERM ends it, and a file there again is mirrored",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");

    // A FIFO from the start: no open(2) blocks, so SIGTERM ends the wait with exit 0.
    mkfifo(file);
    const first = startFollower(file, db);
    await waitFor("the condition", () =>
      first.stderr.text().includes("is a FIFO (named pipe), not a regular file: waiting"),
    );
    const stopped = await stopFollower(first);
    expect(stopped.exitCode).toBe(0);
    expectNoTrace(stopped.stderr);
    rmSync(file);

    // A directory, replaced by the file; later a symlink loop takes the file's place.
    mkdirSync(file);
    const all = realisticLines(150);
    const following = startFollower(file, db);
    await waitFor("the condition", () =>
      following.stderr.text().includes("is a directory, not a regular file: waiting"),
    );
    rmdirSync(file);
    writeLines(`${file}.tmp`, all.slice(0, 100));
    renameSync(`${file}.tmp`, file);
    const firstHundred = await cleanKeys(dir, "a", all.slice(0, 100));
    await waitFor("the condition", () => eventCount(db) >= firstHundred.length);

    renameSync(file, `${file}.1`);
    symlinkSync(join(dir, "loop-b"), file);
    symlinkSync(file, join(dir, "loop-b"));
    await waitFor("the condition", () =>
      following.stderr.text().includes("is a symlink loop, not a regular file: waiting"),
    );
    rmSync(file);
    writeLines(`${file}.tmp`, all.slice(100));
    renameSync(`${file}.tmp`, file);
    const expected = await cleanKeys(dir, "b", all);
    await waitFor("the condition", () => eventCount(db) >= expected.length);
    const { exitCode, stderr } = await stopFollower(following);
    expect(exitCode).toBe(0);
    expectNoTrace(stderr);
    const state = await dbState(db);
    expect(state.keys).toEqual(expected);
    expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
  },
  T,
);
