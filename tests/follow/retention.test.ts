import { expect, test } from "bun:test";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
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

// Each test runs the real command in its own process against real files, and compares the
// database with a clean one-shot mirror of every line the runner ever wrote.

const T = 60_000;

test(
  "a file truncated to its last 50 lines and then grown past the old offset: every line once",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(500);
    writeLines(file, all.slice(0, 200));
    const first = await runMirror([file, "--db", db, "--json"]);
    expect(first.summary).toMatchObject({ lines_read: 200, quarantined: 0 });

    // The runner's retention rewrites the file in place (same inode) with its last 50 lines,
    // then keeps appending: the file ends up longer than the offset read before.
    writeLines(file, all.slice(150, 200));
    appendFileSync(file, joinLines(all.slice(200)));
    const second = await runMirror([file, "--db", db, "--json"]);
    expect(second.exitCode).toBe(0);
    expect(second.summary).toMatchObject({ truncations: 1, lines_read: 350, quarantined: 0 });
    expect((second.summary?.duplicates as number) > 0).toBe(true);

    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", all));
    expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
  },
  T,
);

test(
  "rotation to .1 (and on to .2) while the mirror is stopped: the old file is finished, then the new ones",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(400);
    writeLines(file, all.slice(0, 100));
    await runMirror([file, "--db", db, "--json"]);

    // More lines land in the file the mirror was reading, then it is rotated twice.
    appendFileSync(file, joinLines(all.slice(100, 150)));
    renameSync(file, `${file}.1`);
    writeLines(file, all.slice(150, 250));
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`);
    writeLines(file, all.slice(250, 400));

    const run = await runMirror([file, "--db", db, "--json"]);
    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatchObject({ rotations: 1, lines_read: 300, duplicates: 0 });
    expect(run.stderr).toContain("was rotated");
    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", all));
    expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });

    const again = await runMirror([file, "--db", db, "--json"]);
    expect(again.summary).toMatchObject({ lines_read: 0, events_appended: 0, rotations: 0 });
  },
  T,
);

test(
  "a half-written last line is left until its newline arrives, then mirrored whole",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(20);
    const torn = all[10] as string;
    writeFileSync(file, joinLines(all.slice(0, 10)) + torn.slice(0, 25));
    const first = await runMirror([file, "--db", db, "--json"]);
    expect(first.summary).toMatchObject({ lines_read: 10, quarantined: 0 });
    expect(first.summary?.position).toMatchObject({ line_number: 10, pending_bytes: 25 });

    appendFileSync(file, `${torn.slice(25)}\n${joinLines(all.slice(11))}`);
    const second = await runMirror([file, "--db", db, "--json"]);
    expect(second.summary).toMatchObject({ lines_read: 10, quarantined: 0, duplicates: 0 });
    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", all));
    expect(state.quarantine).toEqual([]);
  },
  T,
);

test(
  "malformed lines are quarantined with file, line, offset, raw text and reason; the rest goes on",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const good = realisticLines(6);
    const bad = [
      "this is not json",
      "[1, 2, 3]",
      '{"ts": "2026-06-02T12:00:00Z", "tick": 3}',
      '{"ts": "2026-06-02T12:00:01Z", "kind": "tick_start", "tick": "seven", "issues": [1]}',
    ];
    const lines = [
      good[0],
      bad[0],
      good[1],
      bad[1],
      good[2],
      bad[2],
      good[3],
      bad[3],
      good[4],
      good[5],
    ];
    writeLines(file, lines as string[]);
    const run = await runMirror([file, "--db", db, "--json"]);
    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatchObject({ lines_read: 10, quarantined: 4 });

    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", good));
    let offset = 0;
    const offsets = lines.map((l) => {
      const at = offset;
      offset += Buffer.byteLength(`${l}\n`);
      return at;
    });
    const where: unknown[][] = state.quarantine.map((q) => [
      q.source,
      q.line_number,
      q.byte_offset,
      q.raw,
    ]);
    const expected: unknown[][] = [1, 3, 5, 7].map((i, k) => [file, i + 1, offsets[i], bad[k]]);
    expect(where).toEqual(expected);
    const reasons = state.quarantine.map((q) => q.reason);
    expect(reasons[0]).toStartWith("not JSON");
    expect(reasons[1]).toBe('a record must be a JSON object with a "kind", not an array');
    expect(reasons[2]).toBe('a record needs a non-empty string "kind"');
    expect(reasons[3]).toContain('field "tick"');
  },
  T,
);

test(
  "--strict stops at the first malformed line with exit 1 naming it; without it the run goes on",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const good = realisticLines(5);
    writeLines(file, [good[0], good[1], "{oops", good[2], good[3], good[4]] as string[]);
    const strict = await runMirror([file, "--db", db, "--strict", "--json"]);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toContain(`${file}:3 `);
    expect(strict.summary).toMatchObject({ lines_read: 2, quarantined: 0, stopped_by: "strict" });
    expect((await dbState(db)).keys).toEqual(await cleanKeys(dir, "first-two", good.slice(0, 2)));

    const lenient = await runMirror([file, "--db", db, "--json"]);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.summary).toMatchObject({ lines_read: 4, quarantined: 1, duplicates: 0 });
    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", good));
    expect(state.quarantine.map((q) => q.line_number)).toEqual([3]);
  },
  T,
);

test(
  "CRLF line ends, a BOM and blank lines give the same events as the plain file",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(40);
    const withBlanks = all.flatMap((l, i) => (i % 10 === 9 ? [l, "", "  "] : [l]));
    writeFileSync(file, `\ufeff${joinLines(withBlanks, "\r\n")}`);
    const run = await runMirror([file, "--db", db, "--json"]);
    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatchObject({ lines_read: 48, blank_lines: 8, quarantined: 0 });
    const state = await dbState(db);
    expect(state.keys).toEqual(await cleanKeys(dir, "clean", all));
    expect(state).toMatchObject({ gapless: true, verified: true });
  },
  T,
);
