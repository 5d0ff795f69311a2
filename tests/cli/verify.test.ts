import { Database } from "bun:sqlite";
import { beforeEach, describe, expect, test } from "bun:test";
import { openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { cli, jsonLines, tempDir } from "../helpers.ts";
import { createUpstream, upstreamAppend, type Variant } from "../store/upstream-writer.ts";
import { makeDb } from "./databases.ts";

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

function tamper(sql: string) {
  const d = new Database(db);
  d.run(sql);
  d.close();
}

describe("verify", () => {
  test("a sound log: one ok line, exit 0", async () => {
    const r = await cli(["verify", "--db", db]);
    expect(r).toEqual({
      code: 0,
      stdout: `ok: 10 events, hash chain intact, SQLite integrity ok (${db})\n`,
      stderr: "",
    });
  });

  test("--json reports the check as one object", async () => {
    const r = await cli(["verify", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      {
        ok: true,
        path: db,
        events_checked: 10,
        latest_sequence: 10,
        first_bad_sequence: null,
        problem: null,
        integrity: ["ok"],
        chains: ["prev_hash/event_hash"],
        chained_checked: 10,
        unchained: 0,
        rules: { utf8: 10, ascii: 0, sorted: 0 },
        compacted: 0,
      },
    ]);
  });

  test("an edited row: exit 1, one line naming its sequence", async () => {
    tamper(`UPDATE events SET payload_json = '{"issue":41,"pr":8}' WHERE sequence = 4`);
    const r = await cli(["verify", "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `error: ${db}: hash chain broken at sequence 4: event_hash does not match the row's content (row edited); events from 4 on cannot be trusted, restore the database from a backup or an export\n`,
    );
    const json = await cli(["verify", "--db", db, "--json"]);
    expect(json.code).toBe(1);
    expect(jsonLines(json.stdout)[0]).toMatchObject({ ok: false, first_bad_sequence: 4 });
  });

  test("a deleted row: exit 1 at the gap", async () => {
    tamper("DELETE FROM events WHERE sequence = 6");
    const r = await cli(["verify", "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith(
      `error: ${db}: hash chain broken at sequence 7: sequence 6 is missing`,
    );
  });

  test("a damaged file: exit 1 with one line, no stack trace", async () => {
    const size = statSync(db).size;
    const fd = openSync(db, "r+");
    writeSync(fd, Buffer.alloc(size - 8192, 0xab), 0, size - 8192, 4096);
    const r = await cli(["verify", "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*(corrupt|integrity check failed|malformed)/);
  });
});

describe("verify and replay on upstream's other shapes (read-only, never migrated)", () => {
  function upstream(variant: Variant): string {
    const file = join(tempDir(), `${variant}.db`);
    createUpstream(file, variant);
    upstreamAppend(file, variant, [
      { kind: "tick.started", payload: { tick: 1 }, sagaId: "tick:1" },
      { kind: "task.dispatched", payload: { worktree: "/home/jos\u00e9/w" }, taskId: "issue:1" },
      { kind: "tick.completed", payload: { tick: 1 }, sagaId: "tick:1" },
    ]);
    return file;
  }

  test("oldest (no chain): verify exits 0 and says no chain covers the rows; replay prints them", async () => {
    const file = upstream("oldest");
    const r = await cli(["verify", "--db", file]);
    expect(r).toEqual({
      code: 0,
      stdout: `ok: 3 events, no hash chain in this file (3 rows unchained, nothing to check them against), SQLite integrity ok (${file})\n`,
      stderr: "",
    });
    const replay = await cli(["replay", "--db", file, "--json"]);
    expect(replay.code).toBe(0);
    expect(jsonLines(replay.stdout).map((e) => e.kind)).toEqual([
      "tick.started",
      "task.dispatched",
      "tick.completed",
    ]);
  });

  test("#339 (chain_hash): verify checks that chain; an edit is named by its sequence", async () => {
    const file = upstream("339");
    const r = await cli(["verify", "--db", file, "--json"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      ok: true,
      chains: ["chain_hash"],
      chained_checked: 3,
      unchained: 0,
      rules: { sorted: 3 },
    });
    const replay = await cli(["replay", "--db", file, "--from", "2"]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain("task.dispatched");
    const d = new Database(file);
    d.run("UPDATE events SET task_id = 'issue:2' WHERE sequence = 2");
    d.close();
    const bad = await cli(["verify", "--db", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toStartWith(`error: ${file}: hash chain broken at sequence 2: chain_hash`);
    expect(bad.stderr).not.toContain("no such column");
  });

  test("rows without a hash beside chained ones are reported unchained", async () => {
    const file = upstream("oldest");
    upstreamAppend(file, "339", [{ kind: "tick.started", payload: { tick: 2 } }]);
    const r = await cli(["verify", "--db", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `ok: 4 events, hash chain intact over 1 (chain_hash), 3 unchained (written without a chain), SQLite integrity ok (${file})\n`,
    );
  });

  test("the read commands find none of our own tables there and report nothing of them", async () => {
    const file = upstream("oldest");
    const stats = await cli(["stats", "--db", file, "--json"]);
    expect(stats.code).toBe(0);
    expect(jsonLines(stats.stdout)[0]).toMatchObject({
      events: 3,
      followed: [],
      schema_version: 0,
    });
    const quarantine = await cli(["quarantine", "list", "--db", file, "--json"]);
    expect({ code: quarantine.code, stdout: quarantine.stdout }).toEqual({ code: 0, stdout: "" });
    const metrics = await cli(["metrics", "--db", file]);
    expect(metrics.code).toBe(0);
    expect(metrics.stdout).toContain("forge_eventlog_quarantined_lines 0\n");
    const timeline = await cli(["timeline", "--db", file]);
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toContain("#1 ");
    const report = await cli(["report", "--db", file, "-o", join(tempDir(), "r.html")]);
    expect(report.code).toBe(0);
    // Nothing was added to the file: it has the upstream writer's two tables still.
    const d = new Database(file, { readonly: true });
    const tables = d
      .query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all();
    d.close();
    expect(tables).toEqual([
      { name: "events" },
      { name: "projection_cursors" },
      { name: "sqlite_sequence" },
    ]);
  });
});
