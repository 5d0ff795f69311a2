import { Database } from "bun:sqlite";
import { beforeEach, describe, expect, test } from "bun:test";
import { openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";
import { cli, jsonLines, makeDb } from "./helpers.ts";

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
