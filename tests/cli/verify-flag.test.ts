import { Database } from "bun:sqlite";
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cli, jsonLines, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

function editRow7(): void {
  const d = new Database(db);
  d.run(`UPDATE events SET payload_json = '{"issue":43}' WHERE sequence = 7`);
  d.close();
}

const BROKEN = (file: string) =>
  `error: ${file}: hash chain broken at sequence 7: event_hash does not match the row's content (row edited); nothing from 7 on is shown: run 'forge-eventlog verify' for the report, and restore the database from a backup or an export\n`;

describe("--verify: a read-time chain check", () => {
  test("on a sound log replay and export print what they print without it; timeline rebuilds from the first event", async () => {
    for (const args of [["replay", "--json"], ["export"]]) {
      const plain = await cli([...args, "--db", db]);
      const checked = await cli([...args, "--db", db, "--verify"]);
      expect(checked.code).toBe(0);
      expect(checked.stdout).toBe(plain.stdout);
    }
    const t = await cli(["timeline", "--db", db, "--json", "--verify"]);
    expect(t.code).toBe(0);
    expect(
      jsonLines(t.stdout)
        .slice(0, -1)
        .map((x) => [x.issue, x.terminal]),
    ).toEqual([
      [41, "completed"],
      [42, "failed"],
    ]);
  });

  test("replay --verify prints the events before the broken one, then exits 1 naming it", async () => {
    editRow7();
    const r = await cli(["replay", "--db", db, "--json", "--verify"]);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.stderr).toBe(BROKEN(db));
    // A filter does not skip the check: row 7 is checked though only issue 41 is printed.
    const filtered = await cli(["replay", "--db", db, "--issue", "41", "--verify"]);
    expect(filtered.code).toBe(1);
    // Reading after the edited row links to it as stored.
    const after = await cli(["replay", "--db", db, "--from", "8", "--verify", "--json"]);
    expect(after.code).toBe(0);
    expect(jsonLines(after.stdout).map((e) => e.sequence)).toEqual([8, 9, 10]);
    // Without --verify the row is shown.
    expect((await cli(["replay", "--db", db])).code).toBe(0);
  });

  test("export --verify -o leaves no file behind; timeline --verify exits 1", async () => {
    editRow7();
    const out = join(tempDir(), "out.jsonl");
    const r = await cli(["export", "--db", db, "--verify", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(BROKEN(db));
    expect(existsSync(out)).toBe(false);
    const t = await cli(["timeline", "--db", db, "--verify"]);
    expect(t.code).toBe(1);
    expect(t.stderr).toBe(BROKEN(db));
  });
});
