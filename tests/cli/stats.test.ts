import { beforeEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
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
    expect(out).toContain("\nfirst event  2026-06-02 12:00:01.123 UTC\n");
    expect(out).toContain("\nlast event   2026-06-02 12:00:10.123 UTC\n");
    expect(out).toContain("\nKIND             EVENTS\ntask.planned          2\n");
    expect(out).toEndWith(
      "\nCURSOR    SEQUENCE  LAG\nmirror          10    0\ntimeline         4    6\n",
    );
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
