import { Database } from "bun:sqlite";
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, jsonLines, MAIN, REPO, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

/** Every command that only reads, with arguments that would otherwise succeed. */
const READERS: string[][] = [
  ["replay"],
  ["tail", "--timeout", "1s"],
  ["verify"],
  ["stats"],
  ["cursors"],
  ["cursors", "list"],
  ["export"],
];

const oneLine = (stderr: string) => stderr.trimEnd().split("\n").length === 1;

describe("exit codes and messages", () => {
  test("unknown command: exit 2 with a suggestion", async () => {
    const r = await cli(["replya", "--db", db]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'error: unknown command "replya" (did you mean "replay"?); run \'forge-eventlog --help\' for the list\n',
    });
    expect((await cli(["frobnicate"])).stderr).toBe(
      "error: unknown command \"frobnicate\"; run 'forge-eventlog --help' for the list\n",
    );
  });

  test("unknown option on any command: exit 2", async () => {
    for (const args of [
      ["stats", "--jsn"],
      ["verify", "-x"],
      ["cursors", "set", "a", "1", "--rewnd"],
    ]) {
      const r = await cli([...args, "--db", db]);
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith("error: unknown option ");
      expect(oneLine(r.stderr)).toBe(true);
    }
  });

  test("missing database: exit 1 for every reader, and the file is not created", async () => {
    const dir = tempDir();
    const missing = join(dir, "sub", "missing.db");
    for (const args of READERS) {
      const r = await cli([...args, "--db", missing]);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: "" });
      expect(r.stderr).toBe(
        `error: no database at ${missing}; check --db, or create one by mirroring events into it\n`,
      );
    }
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(dir, "sub"))).toBe(false);
  });

  test("not a database: exit 2 for every reader, the file untouched", async () => {
    const text = join(tempDir(), "notes.txt");
    const body = "these are not the events you are looking for\n".repeat(200);
    writeFileSync(text, body);
    for (const args of READERS) {
      const r = await cli([...args, "--db", text]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toBe(
        `error: ${text} is not a SQLite database (file is not a database); check the --db path\n`,
      );
    }
    expect(await Bun.file(text).text()).toBe(body);
  });

  test("a SQLite file without an event log, and a directory, exit 1", async () => {
    const other = join(tempDir(), "other.db");
    const d = new Database(other);
    d.run("CREATE TABLE t (x)");
    d.close();
    const r = await cli(["replay", "--db", other]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: ${other} is a SQLite database but holds no event log (no 'events' table); check --db\n`,
    );
    const dir = tempDir();
    const asDir = await cli(["stats", "--db", dir]);
    expect(asDir.code).toBe(1);
    expect(asDir.stderr).toBe(
      `error: ${dir} is a directory, not a database file; point --db at a file\n`,
    );
  });

  test("the default database is ./.forge/events.db, from the current directory", async () => {
    const cwd = tempDir();
    const missing = await cli(["stats"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `error: no database at ${join(cwd, ".forge/events.db")} (the default); pass --db <file>, set $FORGE_EVENTLOG_DB, or set "db" in a forge-eventlog.config.json\n`,
    );
    expect(existsSync(join(cwd, ".forge"))).toBe(false);
    await makeDb(join(cwd, ".forge/events.db"));
    const r = await cli(["replay", "--json", "--limit", "1"], { cwd });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(1);
  });

  test("a config file's db resolves from the config's directory; --db wins", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "conf/data"), { recursive: true });
    await makeDb(join(cwd, "conf/data/log.db"));
    writeFileSync(
      join(cwd, "conf/forge-eventlog.config.json"),
      '{"db": "data/log.db", "mirror": true}',
    );
    const viaConfig = await cli(
      ["stats", "--json", "--config", "conf/forge-eventlog.config.json"],
      { cwd },
    );
    expect(viaConfig.code).toBe(0);
    expect(jsonLines(viaConfig.stdout)[0]).toMatchObject({ path: join(cwd, "conf/data/log.db") });
    // The default config file is read from the current directory.
    const inConf = await cli(["stats", "--json"], { cwd: join(cwd, "conf") });
    expect(jsonLines(inConf.stdout)[0]).toMatchObject({ path: join(cwd, "conf/data/log.db") });
    const override = await cli(["stats", "--json", "--db", db], { cwd: join(cwd, "conf") });
    expect(jsonLines(override.stdout)[0]).toMatchObject({ path: db });
    // A config's db that does not exist names the config.
    writeFileSync(join(cwd, "forge-eventlog.config.json"), '{"db": "gone.db"}');
    const gone = await cli(["stats"], { cwd });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(
      `error: no database at ${join(cwd, "gone.db")} (the "db" of ${join(cwd, "forge-eventlog.config.json")}); fix that path or pass --db <file>\n`,
    );
  });

  test("config errors: missing --config exits 1, an invalid one exits 2", async () => {
    const cwd = tempDir();
    const missing = await cli(["stats", "--config", "nope.json"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `error: no config file at ${join(cwd, "nope.json")} (from --config); fix the path, or drop --config to use the nearest forge-eventlog.config.json\n`,
    );
    writeFileSync(join(cwd, "bad.json"), "{ db: ");
    const bad = await cli(["stats", "--config", "bad.json"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toStartWith(`error: ${join(cwd, "bad.json")} is not valid JSON (`);
    writeFileSync(join(cwd, "wrong.json"), '{"db": 5}');
    const wrong = await cli(["stats", "--config", "wrong.json"], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      `error: ${join(cwd, "wrong.json")}: field "db": Invalid input: expected string, received number (see the config reference in the README)\n`,
    );
  });

  test("an empty --db is a usage error", async () => {
    const r = await cli(["stats", "--db="]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: "error: --db needs a path\n" });
    expect((await cli(["stats", "--db"])).stderr).toBe(
      "error: --db needs a value; see 'forge-eventlog stats --help'\n",
    );
  });

  test("stack traces only with --debug", async () => {
    const missing = join(tempDir(), "missing.db");
    const plain = await cli(["verify", "--db", missing]);
    expect(plain.stderr).not.toContain("    at ");
    const debug = await cli(["verify", "--db", missing, "--debug"]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain(`debug: opening ${missing} read-only (from --db)\n`);
    expect(debug.stderr).toContain(`error: no database at ${missing}`);
    expect(debug.stderr).toContain("EventLogError: no database at");
    expect(debug.stderr).toContain("    at ");
  });

  test("--quiet keeps only errors on stderr", async () => {
    const r = await cli(["export", "--db", db, "--quiet"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect((await cli(["replay", "-q", "--from", "99", "--db", db])).stderr).toBe("");
    expect((await cli(["replay", "-q", "--from", "x", "--db", db])).stderr).toStartWith("error: ");
  });

  test("no colour when piped, whatever the environment", async () => {
    for (const env of [{ NO_COLOR: undefined, TERM: "xterm" }, { NO_COLOR: "1" }]) {
      for (const args of [["--help"], ["stats", "--db", db], ["replya"]]) {
        const r = await cli(args, { env });
        expect(r.stdout + r.stderr).not.toContain("\u001b[");
      }
    }
  });

  // `script` gives the CLI a real terminal, where colour is on unless NO_COLOR is set.
  test.skipIf(!Bun.which("script"))("on a terminal: colour, unless NO_COLOR is set", async () => {
    const onTty = async (noColor: string | undefined) => {
      const command = `${process.execPath} ${MAIN} stats --db ${db}; ${process.execPath} ${MAIN} replya`;
      const r = await cli(["-qec", command, "/dev/null"], {
        command: ["script"],
        env: { NO_COLOR: noColor, TERM: "xterm" },
      });
      return r.stdout;
    };
    const coloured = await onTty(undefined);
    expect(coloured).toContain("\u001b[1mKIND");
    expect(coloured).toContain("\u001b[31merror\u001b[39m: unknown command");
    const plain = await onTty("1");
    expect(plain).toContain("KIND");
    expect(plain).not.toContain("\u001b[");
  });
});

test("a lock held past --busy-timeout is db_locked after that long, naming the option", async () => {
  const holder = Bun.spawn(
    [process.execPath, join(REPO, "tests/fixtures/store-lock-holder.ts"), db],
    {
      stdin: "pipe",
      stdout: "pipe",
    },
  );
  try {
    const reader = holder.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("locked");
    const r = await cli(["cursors", "set", "x", "head", "--db", db, "--busy-timeout", "150"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("for over 150 ms");
    expect(r.stderr).toContain("--busy-timeout <ms>");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  } finally {
    holder.kill(9);
    await holder.exited;
  }
});
