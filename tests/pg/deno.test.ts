import { expect, test } from "bun:test";
import { join } from "node:path";
import { cli, MAIN, REPO } from "../helpers.ts";
import { PG_URL } from "./pg-server.ts";

const DENO = join(REPO, "node_modules/.bin/deno");

test("under Deno a PostgreSQL target is one line: PostgreSQL commands need Bun", async () => {
  for (const args of [
    ["replay", "--db", PG_URL],
    ["ship", "--db", "x.db", "--to", PG_URL],
  ]) {
    const r = await cli(args, { command: [DENO, "run", "-A", MAIN] });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("PostgreSQL commands need Bun");
  }
});
