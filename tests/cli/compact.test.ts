import { Database } from "bun:sqlite";
import { beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import { cli, jsonLines, tempDir } from "../helpers.ts";
import { CONTRACT_SELECT } from "../store/upstream-writer.ts";

let db: string;

/** 20 events: per tick a start, a dispatch, two heartbeats and an observation; cursor at 12. */
beforeEach(async () => {
  db = join(tempDir(), "events.db");
  const store = await EventStore.open(db);
  for (let t = 1; t <= 4; t++) {
    store.append("tick.started", { tick: t }, { sagaId: `tick:${t}` });
    store.append("task.dispatched", { issue: t }, { taskId: `issue:${t}` });
    store.append("task.heartbeat", { idle_s: 1 }, { taskId: `issue:${t}` });
    store.append("task.heartbeat", { idle_s: 2 }, { taskId: `issue:${t}` });
    store.append("worker.observation", { note: "ok" }, { taskId: `issue:${t}` });
  }
  store.setCursor("timeline", 12);
  store.setCursor("mirror", 20);
  store.close();
});

const rows = () => {
  const d = new Database(db, { readonly: true });
  const r = d.query(CONTRACT_SELECT).all() as { sequence: number; kind: string }[];
  d.close();
  return r;
};

describe("compact", () => {
  test("--dry-run says what it would do and writes nothing", async () => {
    const bytes = readFileSync(db);
    const r = await cli(["compact", "--db", db, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "dry run: would remove 6 events (4 task.heartbeat, 2 worker.observation) between sequences 3 and 10, at or below the slowest cursor 'timeline' (12), re-chain 12 events",
    );
    expect(r.stderr).toContain("nothing was written");
    expect(readFileSync(db).equals(bytes)).toBe(true);
    expect(rows()).toHaveLength(20);
  });

  test("compacts below the slowest cursor; verify is ok after; the contract reader reads it", async () => {
    const r = await cli(["compact", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      {
        path: db,
        dry_run: false,
        performed: true,
        slowest_cursor: { name: "timeline", sequence: 12 },
        removed: { "task.heartbeat": 4, "worker.observation": 2 },
        removed_total: 6,
        first_sequence: 3,
        last_sequence: 10,
        rechain: 12,
        marker_sequence: 21,
      },
    ]);
    const kept = rows();
    // Everything after the cursor (12) is kept; at or below it only load-bearing kinds.
    expect(kept.filter((x) => x.sequence > 12).map((x) => x.sequence)).toEqual([
      13, 14, 15, 16, 17, 18, 19, 20, 21,
    ]);
    expect(kept.filter((x) => x.sequence <= 12).map((x) => x.kind)).toEqual([
      "tick.started",
      "task.dispatched",
      "tick.started",
      "task.dispatched",
      "tick.started",
      "task.dispatched",
    ]);
    const v = await cli(["verify", "--db", db]);
    expect(v).toEqual({
      code: 0,
      stdout: `ok: 15 events, hash chain intact over 15 (prev_hash/event_hash), 6 compacted away, SQLite integrity ok (${db})\n`,
      stderr: "",
    });
    expect((await cli(["replay", "--db", db, "--verify"])).code).toBe(0);
    const again = await cli(["compact", "--db", db]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing to compact");
  });

  test("a broken chain is refused with exit 1 and nothing is removed", async () => {
    const d = new Database(db);
    d.run(`UPDATE events SET payload_json = '{"issue":9}' WHERE sequence = 17`);
    d.close();
    const r = await cli(["compact", "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith(
      `error: cannot compact ${db}: hash chain broken at sequence 17: event_hash does not match`,
    );
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(rows()).toHaveLength(20);
  });

  test("an unknown option is a usage error (exit 2)", async () => {
    expect((await cli(["compact", "--db", db, "--below", "3"])).code).toBe(2);
  });
});
