import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, jsonLines, tempDir } from "../helpers.ts";

/** A project as the README sets it up: a config, the runner's JSONL, mirrored into the db. */
async function healthy() {
  const dir = tempDir();
  writeFileSync(join(dir, "forge-eventlog.config.json"), JSON.stringify({ mirror: true }));
  mkdirSync(join(dir, "docs/ops"), { recursive: true });
  mkdirSync(join(dir, ".forge"));
  writeLines(join(dir, "docs/ops/loop-runner-events.jsonl"), realisticLines(30));
  expect((await cli(["mirror", "--quiet"], { cwd: dir })).code).toBe(0);
  return dir;
}

const checksOf = async (cwd: string) => {
  const r = await cli(["doctor", "--json"], { cwd });
  return { code: r.code, stderr: r.stderr, checks: jsonLines(r.stdout) };
};

describe("doctor", () => {
  test("a healthy project: one ok line per check, exit 0", async () => {
    const dir = await healthy();
    const r = await cli(["doctor"], { cwd: dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "ok config",
      "ok runtime",
      "ok database",
      "ok schema",
      "ok chain",
      "ok wal",
      "ok jsonl",
      "ok mirror",
      "ok fmail",
    ]);
    expect(lines[0]).toContain(`${join(dir, "forge-eventlog.config.json")} (discovered) is valid`);
    expect(lines[6]).toContain(`${join(dir, "docs/ops/loop-runner-events.jsonl")} (the "jsonl" of`);
  });

  test("a broken chain head, a mirror of another file: FAIL lines with their fixes, exit 1", async () => {
    const dir = await healthy();
    const db = new Database(join(dir, ".forge/events.db"));
    db.run(
      "UPDATE events SET event_hash = 'tampered' WHERE sequence = (SELECT MAX(sequence) FROM events)",
    );
    db.close();
    writeFileSync(
      join(dir, "forge-eventlog.config.json"),
      JSON.stringify({ mirror: true, jsonl: "other.jsonl" }),
    );
    writeLines(join(dir, "other.jsonl"), realisticLines(1));
    const { code, stderr, checks } = await checksOf(dir);
    expect(code).toBe(1);
    expect(stderr).toBe("error: 2 of 9 checks failed (marked FAIL, each with its fix)\n");
    const failed = checks.filter((c) => !c.ok);
    expect(failed).toMatchObject([
      { check: "chain head", fix: expect.stringContaining("forge-eventlog verify") },
      { check: "mirror", detail: expect.stringContaining(`not ${join(dir, "other.jsonl")}`) },
    ]);
  });

  test("an invalid config and no database: each said once, with the fix", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "forge-eventlog.config.json"), JSON.stringify({ mirror: "yes" }));
    const { code, checks } = await checksOf(dir);
    expect(code).toBe(1);
    expect(checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(["config", "database"]);
    expect(checks[0]).toMatchObject({ detail: expect.stringContaining('field "mirror"') });
    expect(checks.find((c) => c.check === "database")).toMatchObject({
      detail: "not checked: the config above names it",
      fix: "fix the config first",
    });
  });
});
