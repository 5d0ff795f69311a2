import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, REPO, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

/** scripts/compile.ts builds a binary that runs outside the repo with bun:sqlite. */
let binary: string;
let db: string;
let cwd: string;

// Built once for the file: tempDir()'s directories last one test.
const buildDir = mkdtempSync(join(tmpdir(), "forge-eventlog-bin-"));
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

beforeAll(() => {
  binary = join(buildDir, "forge-eventlog");
  const build = Bun.spawnSync(
    [process.execPath, join(REPO, "scripts/compile.ts"), "--outfile", binary],
    {
      cwd: REPO,
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (build.exitCode !== 0) throw new Error(`compile failed: ${build.stderr.toString()}`);
});
beforeEach(async () => {
  cwd = tempDir();
  db = await makeDb(join(cwd, "events.db"));
});

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
