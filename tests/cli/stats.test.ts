import { beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, jsonLines, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

describe("stats", () => {
  test("--json: sizes, counts by kind, first/last time, cursors with lag", async () => {
    const r = await cli(["stats", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    const [stats] = jsonLines(r.stdout);
    expect(stats).toMatchObject({
      path: db,
      schema_version: expect.any(Number),
      events: 10,
      first_sequence: 1,
      latest_sequence: 10,
      first_occurred_at: "2026-06-02T12:00:01.123456+00:00",
      last_occurred_at: "2026-06-02T12:00:10.123456+00:00",
      kinds: {
        "task.planned": 2,
        "tick.completed": 2,
        "tick.started": 2,
        "critique.issued": 1,
        "task.completed": 1,
        "task.dispatched": 1,
        "task.failed": 1,
      },
      cursors: [
        { name: "mirror", sequence: 10, lag: 0 },
        { name: "timeline", sequence: 4, lag: 6 },
      ],
    });
    expect(stats!.file_bytes).toBe(statSync(db).size);
    expect(stats!.wal_bytes).toBeNumber();
  });

  test("human output: a summary, a kinds table and a cursors table", async () => {
    const r = await cli(["stats", "--db", db]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout;
    expect(out).toStartWith(`database     ${db}\nfile size    `);
    expect(out).toContain("\nwal size     ");
    expect(out).toContain("\nevents       10 (sequence 1..10)\n");
    expect(out).toMatch(/\nfirst event {2}2026-06-02 12:00:01\.123 UTC \(\d+d ago\)\n/);
    expect(out).toMatch(/\nlast event {3}2026-06-02 12:00:10\.123 UTC \(\d+d ago\)\n/);
    expect(out).toContain("\nKIND             EVENTS\ntask.planned          2\n");
    expect(out).toEndWith(
      "\nCURSOR    SEQUENCE  LAG\nmirror          10    0\ntimeline         4    6\n\nno followed JSONL files (forge-eventlog mirror <file>)\n",
    );
  });

  test("times in local time (TZ), --utc for UTC", async () => {
    const env = { TZ: "Asia/Kolkata" };
    const local = await cli(["stats", "--db", db], { env });
    expect(local.stdout).toMatch(
      /\nfirst event {2}2026-06-02 17:30:01\.123 \+05:30 \(\d+d ago\)\n/,
    );
    const utc = await cli(["stats", "--db", db, "--utc"], { env });
    expect(utc.stdout).toMatch(/\nfirst event {2}2026-06-02 12:00:01\.123 UTC \(\d+d ago\)\n/);
  });

  test("an empty log", async () => {
    const empty = join(tempDir(), "empty.db");
    const { EventStore } = await import("../../src/store/event-store.ts");
    (await EventStore.open(empty)).close();
    const r = await cli(["stats", "--db", empty, "--json"]);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      events: 0,
      latest_sequence: null,
      kinds: {},
      cursors: [],
    });
    expect((await cli(["stats", "--db", empty])).stdout).toContain(
      "events       0\nfirst event  -\nlast event   -\nconflicts    0\n\nno projection cursors\n",
    );
  });
});

describe("stats: each followed file", () => {
  test("its position, the lines and bytes unread, when it advanced, its quarantine and conflicts; through a rotation", async () => {
    const dir = tempDir();
    const file = join(dir, "events.jsonl");
    const events = join(dir, "events.db");
    writeLines(file, [...realisticLines(20), "{not json", ...realisticLines(9, 20)]);
    const started = Date.now();
    expect((await cli(["mirror", file, "--db", events, "--quiet"])).code).toBe(0);

    const more = realisticLines(7, 29);
    const appended = more.map((l) => `${l}\n`).join("");
    appendFileSync(file, appended);
    const r = await cli(["stats", "--db", events, "--json"]);
    const [followed] = jsonLines(r.stdout)[0]!.followed as Record<string, unknown>[];
    expect(followed).toMatchObject({
      source: file,
      reading: file,
      lineNumber: 30,
      next: "resume",
      linesUnread: 7,
      bytesUnread: Buffer.byteLength(appended),
      quarantined: 1,
      conflicts: 0,
    });
    expect(Date.parse(followed!.lastAdvancedAt as string)).toBeGreaterThanOrEqual(started - 1000);

    const human = await cli(["stats", "--db", events]);
    const row = human.stdout.split("\n").find((l) => l.startsWith(file));
    expect(row).toMatch(/\s30\s+7 lines, [\d.]+ (B|KiB)\s+(just now|\d+s ago)\s+resume\s+1\s+0$/);

    // Rotated: the rest of .1 (the 7 lines) and the whole new file are unread.
    renameSync(file, `${file}.1`);
    writeLines(file, realisticLines(3, 36));
    const rotated = jsonLines((await cli(["stats", "--db", events, "--json"])).stdout)[0]!
      .followed as Record<string, unknown>[];
    expect(rotated[0]).toMatchObject({ next: "rotated", linesUnread: 10, quarantined: 1 });

    // Caught up: nothing unread.
    expect((await cli(["mirror", file, "--db", events, "--quiet"])).code).toBe(0);
    const done = jsonLines((await cli(["stats", "--db", events, "--json"])).stdout)[0]!
      .followed as Record<string, unknown>[];
    expect(done[0]).toMatchObject({ next: "resume", linesUnread: 0, bytesUnread: 0 });
  });
});
