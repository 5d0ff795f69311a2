import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, jsonLines, tempDir } from "../helpers.ts";

/** A repository with a config at its root naming its own db and jsonl, and a deep directory. */
function repo() {
  const root = tempDir();
  writeFileSync(
    join(root, "forge-eventlog.config.json"),
    JSON.stringify({ db: "data/events.db", jsonl: "logs/runner.jsonl" }),
  );
  mkdirSync(join(root, "logs"));
  writeLines(join(root, "logs/runner.jsonl"), realisticLines(5));
  const deep = join(root, "a/b/c");
  mkdirSync(deep, { recursive: true });
  return { root, deep, db: join(root, "data/events.db"), jsonl: join(root, "logs/runner.jsonl") };
}

const statsPath = async (cwd: string, args: string[] = [], env: Record<string, string> = {}) => {
  const r = await cli(["stats", "--json", ...args], { cwd, env });
  if (r.code !== 0) throw new Error(r.stderr);
  return jsonLines(r.stdout)[0]!.path;
};

describe("config discovery", () => {
  test("mirror without a file, from a subdirectory: the nearest config's jsonl into its db", async () => {
    const { deep, db, jsonl } = repo();
    mkdirSync(join(db, ".."));
    const r = await cli(["mirror", "--json", "--quiet"], { cwd: deep });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ lines_read: 5 });
    expect(await statsPath(deep)).toBe(db);
    const [followed] = jsonLines((await cli(["stats", "--json"], { cwd: deep })).stdout)[0]!
      .followed as { source: string }[];
    expect(followed!.source).toBe(jsonl);
  });

  test("FORGE_EVENTLOG_CONFIG names another config; FORGE_EVENTLOG_DB another db; --db wins over both", async () => {
    const { root, deep, db } = repo();
    mkdirSync(join(db, ".."));
    expect((await cli(["mirror", "--quiet"], { cwd: deep })).code).toBe(0);
    const other = tempDir();
    writeFileSync(join(other, "alt.json"), JSON.stringify({ db: "alt.db" }));
    writeLines(join(other, "x.jsonl"), realisticLines(2));
    expect(
      (await cli(["mirror", join(other, "x.jsonl"), "--db", join(other, "alt.db"), "--quiet"]))
        .code,
    ).toBe(0);

    const viaConfig = { FORGE_EVENTLOG_CONFIG: join(other, "alt.json") };
    expect(await statsPath(deep, [], viaConfig)).toBe(join(other, "alt.db"));
    const viaDb = { FORGE_EVENTLOG_DB: join(other, "alt.db") };
    expect(await statsPath(deep, [], viaDb)).toBe(join(other, "alt.db"));
    expect(await statsPath(deep, ["--db", db], viaDb)).toBe(db);
    expect(
      await statsPath(deep, ["--config", join(root, "forge-eventlog.config.json")], viaConfig),
    ).toBe(db);
  });

  test("a FORGE_EVENTLOG_CONFIG or FORGE_EVENTLOG_DB that names nothing: one line naming the variable", async () => {
    const { deep } = repo();
    const noConfig = await cli(["stats"], {
      cwd: deep,
      env: { FORGE_EVENTLOG_CONFIG: "/nowhere.json" },
    });
    expect(noConfig).toMatchObject({
      code: 1,
      stderr:
        "error: no config file at /nowhere.json (from FORGE_EVENTLOG_CONFIG); fix the path, or drop FORGE_EVENTLOG_CONFIG to use the nearest forge-eventlog.config.json\n",
    });
    const noDb = await cli(["stats"], { cwd: deep, env: { FORGE_EVENTLOG_DB: "/nowhere.db" } });
    expect(noDb).toMatchObject({
      code: 1,
      stderr:
        "error: no database at /nowhere.db (from $FORGE_EVENTLOG_DB); fix that variable or pass --db <file>\n",
    });
  });
});
