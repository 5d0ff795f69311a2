import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cli, makeDb, REPO, removeTempDirs, tempDir } from "./helpers.ts";

/** scripts/compile.ts builds a binary that runs outside the repo with bun:sqlite. */
let binary: string;
let db: string;
let cwd: string;

beforeAll(async () => {
  binary = join(tempDir(), "forge-eventlog");
  const build = Bun.spawnSync(
    [process.execPath, join(REPO, "scripts/compile.ts"), "--outfile", binary],
    {
      cwd: REPO,
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (build.exitCode !== 0) throw new Error(`compile failed: ${build.stderr.toString()}`);
  cwd = tempDir();
  db = await makeDb(join(cwd, "events.db"));
});
afterAll(removeTempDirs);

const run = (args: string[]) => cli(args, { command: [binary], cwd });

describe("the compiled binary", () => {
  test("is built and prints the version", async () => {
    expect(existsSync(binary)).toBe(true);
    expect((await run(["--version"])).code).toBe(0);
  });

  test("reads a database relative to the current directory, like the source", async () => {
    for (const args of [["replay", "--json"], ["verify"], ["stats", "--json"], ["--help"]]) {
      const compiled = await run([...args, "--db", "events.db"]);
      const source = await cli([...args, "--db", db]);
      expect(compiled.code).toBe(0);
      expect(compiled.stdout).toBe(source.stdout);
    }
  });

  test("keeps the exit codes", async () => {
    const missing = await run(["replay", "--db", "missing.db"]);
    expect(missing.code).toBe(1);
    expect(existsSync(join(cwd, "missing.db"))).toBe(false);
    expect((await run(["nope"])).code).toBe(2);
  });
});
