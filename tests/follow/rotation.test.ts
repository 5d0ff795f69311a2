import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { appendFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers.ts";
import {
  cleanKeys,
  dbState,
  joinLines,
  realisticLines,
  runMirror,
  writeLines,
} from "./legacy-lines.ts";

const T = 60_000;

/** Shifts `.N` to `.N+1`, as logrotate does before a rotation. */
function shift(file: string, keep: number): void {
  for (let k = keep; k >= 1; k--) {
    try {
      renameSync(`${file}.${k}`, `${file}.${k + 1}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}

/** logrotate's copytruncate: copy the live file to `.1` (a new inode), then truncate it in place. */
function copyTruncate(file: string, keep = 5): void {
  shift(file, keep);
  expect(spawnSync("cp", [file, `${file}.1`]).status).toBe(0);
  expect(spawnSync("truncate", ["-s", "0", file]).status).toBe(0);
  rmSync(`${file}.${keep + 1}`, { force: true });
}

/** logrotate's default (create): rename the live file to `.1`, start a new one, drop `.keep+1`. */
function renameRotate(file: string, keep = 3): void {
  shift(file, keep);
  renameSync(file, `${file}.1`);
  writeLines(file, []);
  rmSync(`${file}.${keep + 1}`, { force: true });
}

test(
  "copytruncate twice while the mirror is down: the rest of .2, all of .1, then the live file",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(300);
    writeLines(file, all.slice(0, 100));
    expect((await runMirror([file, "--db", db, "--quiet"])).exitCode).toBe(0);

    appendFileSync(file, joinLines(all.slice(100, 150)));
    copyTruncate(file);
    appendFileSync(file, joinLines(all.slice(150, 250)));
    copyTruncate(file);
    appendFileSync(file, joinLines(all.slice(250)));

    const run = await runMirror([file, "--db", db, "--json"]);
    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatchObject({ truncations: 1, lines_read: 200, duplicates: 0 });
    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", all));
    expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
    const again = await runMirror([file, "--db", db, "--json"]);
    expect(again.summary).toMatchObject({ lines_read: 0, events_appended: 0 });
  },
  T,
);

test(
  "copytruncate with five rotated copies kept (.1-.5), three times while down: found in .3 by its fingerprint",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(400);
    writeLines(file, all.slice(0, 100));
    expect((await runMirror([file, "--db", db, "--quiet"])).exitCode).toBe(0);
    appendFileSync(file, joinLines(all.slice(100, 150)));
    copyTruncate(file);
    appendFileSync(file, joinLines(all.slice(150, 200)));
    copyTruncate(file);
    appendFileSync(file, joinLines(all.slice(200, 300)));
    copyTruncate(file);
    appendFileSync(file, joinLines(all.slice(300)));

    const run = await runMirror([file, "--db", db, "--json"]);
    expect(run.summary).toMatchObject({ lines_read: 300, duplicates: 0 });
    expect((await dbState(db)).keys).toEqual(await cleanKeys(dir, "clean", all));
  },
  T,
);

test(
  "four rename rotations while down (the file read last deleted as .4): .3, .2, .1 and the live file are all read",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(500);
    writeLines(file, all.slice(0, 100));
    expect((await runMirror([file, "--db", db, "--quiet"])).exitCode).toBe(0);
    appendFileSync(file, joinLines(all.slice(100, 120))); // lost with the file, as .4
    for (let r = 0; r < 4; r++) {
      renameRotate(file);
      appendFileSync(file, joinLines(all.slice(120 + r * 80, 200 + r * 80)));
    }
    const run = await runMirror([file, "--db", db, "--json"]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain("was replaced");
    expect(run.summary).toMatchObject({ lines_read: 320, duplicates: 0 });
    const kept = [...all.slice(0, 100), ...all.slice(120, 440)];
    expect((await dbState(db)).keys).toEqual(await cleanKeys(dir, "clean", kept));
  },
  T,
);
