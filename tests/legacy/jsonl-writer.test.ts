import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { LegacyLineEncoder, legacyLine } from "../../src/encoding/python-json.ts";
import { isEventLogError } from "../../src/errors.ts";
import { followFile } from "../../src/follow/follower.ts";
import { LegacyJsonlWriter } from "../../src/legacy/jsonl-writer.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";

const encoder = new LegacyLineEncoder();
/** Appends a record's legacy line as the plugin does: encoded once, then its bytes written. */
const put = (w: LegacyJsonlWriter, record: Record<string, unknown>) =>
  w.writeLine(encoder.bytes.subarray(0, encoder.encode(record)));
const rec = (tick: number) => ({ ts: "2026-06-02T12:00:00Z", kind: "tick_idle", tick });
const ticks = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).tick);

test("after a rename rotation or a deletion, the next line goes to the path again", () => {
  const path = join(tempDir(), "docs/ops/events.jsonl");
  const w = new LegacyJsonlWriter(path);
  put(w, rec(1));
  put(w, rec(2));
  renameSync(path, `${path}.1`); // logrotate's default: rename, the writer recreates
  put(w, rec(3));
  rmSync(path);
  put(w, rec(4));
  put(w, rec(5));
  w.close();
  expect(ticks(`${path}.1`)).toEqual([1, 2]);
  expect(ticks(path)).toEqual([4, 5]);
});

test("the runner's own retention: rotate at a size to .1 .. .keep, the oldest dropped", () => {
  const path = join(tempDir(), "events.jsonl");
  const limit = 3 * Buffer.byteLength(`${legacyLine(rec(10))}\n`); // three records a file
  const w = new LegacyJsonlWriter(path, { rotateBytes: limit, keep: 2 });
  for (let t = 1; t <= 20; t++) put(w, rec(t));
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
        put(w, big(t));
        written = t;
      } catch (e) {
        failed = e;
      }
    }
    expect(isEventLogError(failed, "db_io")).toBe(true);
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(false); // a torn record
    rmSync(filler); // space comes back
    put(w, rec(written + 2));
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

/** A writer whose every line is followed, before it can look, by another appender's line. */
class Crowded extends LegacyJsonlWriter {
  other: number | null = null;
  closeAfterWrite = false;
  protected override append(fd: number, bytes: Uint8Array): void {
    super.append(fd, bytes);
    if (this.other !== null)
      writeSync(this.other, `${JSON.stringify({ other: "x".repeat(400) })}\n`);
    if (this.closeAfterWrite) closeSync(fd);
  }
}

test("an exact place holds the line even when another appender wrote right after it", () => {
  const path = join(tempDir(), "events.jsonl");
  const w = new Crowded(path);
  put(w, rec(1));
  w.other = openSync(path, "a");
  for (let t = 2; t <= 5; t++) {
    put(w, rec(t)); // not exact: only the line counted
    w.writeLine(encoder.bytes.subarray(0, encoder.encode(rec(100 + t))), true);
    const { start, end } = w.lastLine;
    const range = readFileSync(path).subarray(start, end).toString("utf8");
    expect(
      range
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).tick),
    ).toContain(100 + t);
  }
  closeSync(w.other);
  w.close();
});

test("a line written whose size check then fails is not a failed line", () => {
  const path = join(tempDir(), "events.jsonl");
  const w = new Crowded(path);
  w.closeAfterWrite = true;
  const length = encoder.encode(rec(7));
  expect(() => w.writeLine(encoder.bytes.subarray(0, length), true)).not.toThrow();
  expect(ticks(path)).toEqual([7]);
  expect(w.lastLine).toMatchObject({ start: 0, end: length });
});
