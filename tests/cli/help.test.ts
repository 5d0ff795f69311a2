import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers.ts";

/** UPDATE_SNAPSHOTS=1 bun test tests/cli/help.test.ts rewrites the expected files. */
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";
const SNAPSHOTS = join(import.meta.dir, "snapshots");

const SCREENS: [string, string[]][] = [
  ["root", ["--help"]],
  ["replay", ["replay", "--help"]],
  ["tail", ["tail", "--help"]],
  ["verify", ["verify", "--help"]],
  ["compact", ["compact", "--help"]],
  ["stats", ["stats", "--help"]],
  ["conflicts", ["conflicts", "--help"]],
  ["cursors", ["cursors", "--help"]],
  ["cursors-list", ["cursors", "list", "--help"]],
  ["cursors-set", ["cursors", "set", "--help"]],
  ["cursors-reset", ["cursors", "reset", "--help"]],
  ["cursors-delete", ["cursors", "delete", "--help"]],
  ["export", ["export", "--help"]],
  ["import", ["import", "--help"]],
  ["timeline", ["timeline", "--help"]],
  ["mirror", ["mirror", "--help"]],
  ["watch", ["watch", "--help"]],
  ["gc", ["gc", "--help"]],
  ["quarantine", ["quarantine", "--help"]],
  ["quarantine-list", ["quarantine", "list", "--help"]],
  ["quarantine-retry", ["quarantine", "retry", "--help"]],
  ["doctor", ["doctor", "--help"]],
  ["completion", ["completion", "--help"]],
  ["ship", ["ship", "--help"]],
  ["report", ["report", "--help"]],
  ["serve", ["serve", "--help"]],
  ["metrics", ["metrics", "--help"]],
];

describe("--help (NO_COLOR)", () => {
  for (const [name, args] of SCREENS) {
    test(`${args.join(" ")} matches snapshots/${name}.txt`, async () => {
      const r = await cli(args);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const file = join(SNAPSHOTS, `${name}.txt`);
      if (UPDATE || !existsSync(file)) writeFileSync(file, r.stdout);
      expect(r.stdout).toBe(readFileSync(file, "utf8"));
      expect(r.stdout).not.toContain("\u001b[");
    });
  }

  test("root help documents every exit code and has examples", async () => {
    const { stdout } = await cli(["--help"]);
    expect(stdout).toContain("EXIT CODES\n  0  ok\n  1  check failed or not found");
    expect(stdout).toContain("  2  usage or input error");
    expect(stdout).toContain("EXAMPLES\n  forge-eventlog replay --issue 42");
  });

  test("-h, and --help before the command name, give the same screen", async () => {
    const long = await cli(["replay", "--help"]);
    expect((await cli(["replay", "-h"])).stdout).toBe(long.stdout);
    expect((await cli(["--help", "replay"])).stdout).toBe(long.stdout);
    expect((await cli(["--db", "x.db", "replay", "--kind", "nope", "--help"])).stdout).toBe(
      long.stdout,
    );
  });

  test("--version and -V print the package version, the runtime and the commit", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, "../../package.json"), "utf8"));
    const head = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"]).stdout.toString().trim();
    for (const flag of ["--version", "-V"]) {
      const r = await cli([flag]);
      expect(r).toEqual({
        code: 0,
        stdout: `forge-eventlog ${pkg.version} (bun ${Bun.version}, commit ${head})\n`,
        stderr: "",
      });
    }
  });

  test("no command: the root help on stdout, a one-line error, exit 2", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(readFileSync(join(SNAPSHOTS, "root.txt"), "utf8"));
    expect(r.stderr).toBe(
      "error: 'forge-eventlog' needs a command; run 'forge-eventlog --help' for the list\n",
    );
  });
});
