import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cli, jsonLines, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

const cursors = async () => jsonLines((await cli(["cursors", "--db", db, "--json"])).stdout);

describe("cursors", () => {
  test("alone it lists, as a table or JSON lines", async () => {
    const r = await cli(["cursors", "--db", db]);
    expect(r).toEqual({
      code: 0,
      stdout: "CURSOR    SEQUENCE  LAG\nmirror          10    0\ntimeline         4    6\n",
      stderr: "",
    });
    expect((await cli(["cursors", "list", "--db", db])).stdout).toBe(r.stdout);
    expect(await cursors()).toEqual([
      { name: "mirror", sequence: 10, lag: 0 },
      { name: "timeline", sequence: 4, lag: 6 },
    ]);
  });

  test("set moves forward; 'head' is the latest sequence; a new name is created", async () => {
    const r = await cli(["cursors", "set", "timeline", "7", "--db", db]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "cursor timeline: 4 -> 7 (lag 3)\n" });
    const json = await cli(["cursors", "set", "fresh", "head", "--db", db, "--json"]);
    expect(jsonLines(json.stdout)).toEqual([{ name: "fresh", sequence: 10, lag: 0, previous: 0 }]);
    expect(await cursors()).toContainEqual({ name: "timeline", sequence: 7, lag: 3 });
  });

  test("set follows the contract: back only with --rewind, never past the head", async () => {
    const back = await cli(["cursors", "set", "mirror", "3", "--db", db]);
    expect(back.code).toBe(2);
    expect(back.stderr).toBe(
      "error: cursor mirror is at 10; moving it back to 3 needs an explicit rewind (cursors set --rewind)\n",
    );
    const ahead = await cli(["cursors", "set", "mirror", "11", "--db", db]);
    expect(ahead.code).toBe(2);
    expect(ahead.stderr).toBe("error: cursor mirror cannot move to 11: the latest event is 10\n");
    const rewound = await cli(["cursors", "set", "mirror", "3", "--rewind", "--db", db]);
    expect(rewound.code).toBe(0);
    expect(await cursors()).toContainEqual({ name: "mirror", sequence: 3, lag: 7 });
  });

  test("a bad sequence is a usage error", async () => {
    for (const value of ["x", "-1", "2.5"]) {
      const r = await cli(["cursors", "set", "mirror", value, "--db", db]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: <sequence> must be a whole number >= 0 (got ${JSON.stringify(value)})\n`,
      );
    }
    const missing = await cli(["cursors", "set", "mirror", "--db", db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      "error: 'forge-eventlog cursors set' needs <sequence>; run 'forge-eventlog cursors set --help' for usage\n",
    );
  });

  test("reset rewinds to 0; delete removes; an unknown name exits 1", async () => {
    const reset = await cli(["cursors", "reset", "mirror", "--db", db, "--json"]);
    expect(reset.code).toBe(0);
    expect(jsonLines(reset.stdout)).toEqual([
      { name: "mirror", sequence: 0, lag: 10, previous: 10 },
    ]);
    const del = await cli(["cursors", "delete", "timeline", "--db", db]);
    expect(del).toEqual({ code: 0, stdout: "", stderr: "cursor timeline deleted (was at 4)\n" });
    expect(await cursors()).toEqual([{ name: "mirror", sequence: 0, lag: 10 }]);
    for (const sub of ["reset", "delete"]) {
      const r = await cli(["cursors", sub, "timeline", "--db", db]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: no cursor named "timeline" in ${db}; list them with 'forge-eventlog cursors'\n`,
      );
    }
  });

  test("an empty list, and writing to a missing database neither works nor creates it", async () => {
    await cli(["cursors", "delete", "mirror", "--db", db]);
    await cli(["cursors", "delete", "timeline", "--db", db]);
    expect(await cli(["cursors", "--db", db])).toEqual({
      code: 0,
      stdout: "",
      stderr: "no projection cursors\n",
    });
    const missing = join(tempDir(), "missing.db");
    const r = await cli(["cursors", "set", "x", "0", "--db", missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith(`error: no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  test("an unknown sub-command is a usage error", async () => {
    const r = await cli(["cursors", "delte", "x", "--db", db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: unknown cursors command "delte" (did you mean "delete"?); run \'forge-eventlog cursors --help\' for the list\n',
    );
  });
});
