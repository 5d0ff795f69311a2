import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, MAIN, REPO, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

/** The read-only commands also run under Deno, where the store picks node:sqlite. */
const DENO = join(REPO, "node_modules/.bin/deno");
const deno = (args: string[]) => cli(args, { command: [DENO, "run", "-A", MAIN] });

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

describe.skipIf(!existsSync(DENO))("under Deno", () => {
  for (const args of [
    ["replay", "--json"],
    ["replay", "--issue", "42"],
    ["verify", "--json"],
    ["stats", "--json"],
    ["cursors"],
    ["export"],
    ["tail", "--from", "5", "--count", "3", "--json"],
  ]) {
    test(`${args.join(" ")} prints what Bun prints`, async () => {
      const [underDeno, underBun] = await Promise.all([
        deno([...args, "--db", db]),
        cli([...args, "--db", db]),
      ]);
      expect(underDeno.code).toBe(0);
      expect(underDeno.stdout).toBe(underBun.stdout);
      expect(underDeno.stdout).not.toBe("");
    });
  }

  test("the same exit codes for a missing database and a non-database", async () => {
    const missing = join(tempDir(), "missing.db");
    const r = await deno(["replay", "--db", missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith(`error: no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    const text = join(tempDir(), "notes.txt");
    writeFileSync(text, "not sqlite\n".repeat(100));
    const notDb = await deno(["verify", "--db", text]);
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toStartWith(`error: ${text} is not a SQLite database`);
    expect((await deno(["replya"])).code).toBe(2);
  });
});
