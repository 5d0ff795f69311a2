import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { legacyLine } from "../../src/encoding/python-json.ts";
import { isEventLogError } from "../../src/errors.ts";
import { followFile } from "../../src/follow/follower.ts";
import { LegacyJsonlWriter } from "../../src/legacy/jsonl-writer.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";

const rec = (tick: number) => ({ ts: "2026-06-02T12:00:00Z", kind: "tick_idle", tick });
const ticks = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).tick);

test("after a rename rotation or a deletion, the next line goes to the path again", () => {
  const path = join(tempDir(), "docs/ops/events.jsonl");
  const w = new LegacyJsonlWriter(path);
  w.write(rec(1));
  w.write(rec(2));
  renameSync(path, `${path}.1`); // logrotate's default: rename, the writer recreates
  w.write(rec(3));
  rmSync(path);
  w.write(rec(4));
  w.write(rec(5));
  w.close();
  expect(ticks(`${path}.1`)).toEqual([1, 2]);
  expect(ticks(path)).toEqual([4, 5]);
});

test("the runner's own retention: rotate at a size to .1 .. .keep, the oldest dropped", () => {
  const path = join(tempDir(), "events.jsonl");
  const limit = 3 * Buffer.byteLength(`${legacyLine(rec(10))}\n`); // three records a file
  const w = new LegacyJsonlWriter(path, { rotateBytes: limit, keep: 2 });
  for (let t = 1; t <= 20; t++) w.write(rec(t));
  w.close();
  expect(existsSync(`${path}.3`)).toBe(false);
  const files = [`${path}.2`, `${path}.1`, path];
  for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(limit);
  // The newest lines survive, in order, across the files.
  expect(files.flatMap(ticks)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
});

test("a line torn by a full disk stays alone; the next record starts on a fresh line", async () => {
  if (process.getuid?.() !== 0) throw new Error("this test mounts a small tmpfs: run it as root");
  const mnt = join(tempDir(), "small");
  mkdirSync(mnt);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
  try {
    const path = join(mnt, "events.jsonl");
    const filler = join(mnt, "filler");
    writeFileSync(filler, Buffer.alloc(16 * 1024));
    const w = new LegacyJsonlWriter(path);
    const big = (tick: number) => ({ ...rec(tick), pad: "x".repeat(3000) });
    let written = 0;
    let failed: unknown;
    for (let t = 1; t < 1000 && !failed; t++) {
      try {
        w.write(big(t));
        written = t;
      } catch (e) {
        failed = e;
      }
    }
    expect(isEventLogError(failed, "db_io")).toBe(true);
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(false); // a torn record
    rmSync(filler); // space comes back
    w.write(rec(written + 2));
    w.close();
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(written + 2);
    expect(lines.slice(0, written).map((l) => JSON.parse(l).tick)).toEqual(
      Array.from({ length: written }, (_, i) => i + 1),
    );
    expect(() => JSON.parse(lines[written]!)).toThrow();
    expect(JSON.parse(lines[written + 1]!)).toMatchObject({ tick: written + 2 });
    const store = await EventStore.open(join(tempDir(), "e.db"));
    const summary = await followFile({ store, file: path });
    expect(summary.quarantined).toBe(1);
    const mirrored = [...store.since(0)].map((e) => e.saga_id);
    expect(mirrored).toHaveLength(written + 1);
    expect(mirrored.at(-1)).toBe(`tick:${written + 2}`);
    store.close();
  } finally {
    execFileSync("umount", [mnt]);
  }
});
