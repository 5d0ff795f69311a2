import { describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanKeys, dbState, realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, jsonLines, tempDir } from "../helpers.ts";

function setUp() {
  const dir = tempDir();
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const good = realisticLines(12);
  // Line 4 is not JSON; line 9 has a tick that is not a number.
  const broken = JSON.stringify({ ...JSON.parse(good[7]!), tick: "seven" });
  const lines = [
    ...good.slice(0, 3),
    '{"kind": "tick_start", oops',
    ...good.slice(3, 7),
    broken,
    ...good.slice(7),
  ];
  writeLines(file, lines);
  return { dir, file, db, good, lines };
}

describe("quarantine", () => {
  test("list: source, line, offset, reason and the raw line, --json and a table", async () => {
    const { file, db, lines } = setUp();
    expect((await cli(["mirror", file, "--db", db, "--quiet"])).code).toBe(0);
    const r = await cli(["quarantine", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    const offsetOf = (n: number) =>
      lines.slice(0, n - 1).reduce((a, l) => a + Buffer.byteLength(l) + 1, 0);
    expect(rows).toMatchObject([
      {
        id: 1,
        source: file,
        lineNumber: 4,
        byteOffset: offsetOf(4),
        raw: lines[3],
        reason: expect.stringContaining("not JSON"),
      },
      {
        id: 2,
        source: file,
        lineNumber: 9,
        byteOffset: offsetOf(9),
        raw: lines[8],
        reason: expect.stringContaining("tick"),
      },
    ]);
    const table = await cli(["quarantine", "list", "--db", db]);
    const out = table.stdout.split("\n");
    expect(out[0]).toMatch(/^ID\s+SOURCE\s+LINE\s+OFFSET\s+REASON\s+LINE TEXT$/);
    expect(out[1]).toContain(`${file}     4`);
    expect(out[1]).toContain('{\\"kind\\": \\"tick_start\\", oops');
  });

  test("retry: still refused before the fix (exit 1); after it mirrored once, idempotently, and mirror resumes after the same line", async () => {
    const { dir, file, db, lines } = setUp();
    expect((await cli(["mirror", file, "--db", db, "--quiet"])).code).toBe(0);
    const before = await dbState(db);

    const unfixed = await cli(["quarantine", "retry", "--db", db]);
    expect(unfixed.code).toBe(1);
    expect(unfixed.stderr).toContain(`#1 ${file}:4: still refused (not JSON`);
    expect(unfixed.stderr).toContain("0 of 2 released from the quarantine");
    expect((await dbState(db)).events).toBe(before.events);

    // The operator fixes both lines (each changes length), and the runner writes on.
    const fixed = [...lines];
    fixed[3] = JSON.stringify({
      kind: "tick_start",
      tick: 90,
      issues: [401, 402],
      ts: "2026-06-02T13:00:00Z",
    });
    fixed[8] = JSON.stringify({ ...JSON.parse(lines[8]!), tick: 7 });
    writeLines(file, fixed);
    const more = realisticLines(3, 40);
    appendFileSync(file, more.map((l) => `${l}\n`).join(""));

    const one = await cli(["quarantine", "retry", "2", "--db", db, "--json"]);
    expect(one.code).toBe(0);
    expect(jsonLines(one.stdout)).toMatchObject([{ id: 2, status: "mirrored" }]);
    const rest = await cli(["quarantine", "retry", "--db", db]);
    expect(rest.code).toBe(0);
    expect(rest.stderr).toMatch(
      new RegExp(`#1 ${file}:4: mirrored \\(\\d+ events appended, 0 already stored\\)`),
    );
    expect(jsonLines((await cli(["quarantine", "--db", db, "--json"])).stdout)).toEqual([]);
    const afterRetry = await dbState(db);
    expect(afterRetry.events).toBeGreaterThan(before.events);

    const again = await cli(["quarantine", "retry", "--db", db]);
    expect(again).toMatchObject({ code: 0, stderr: "no quarantined lines to retry\n" });
    const gone = await cli(["quarantine", "retry", "1", "--db", db]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("no quarantined line 1 in");
    expect((await dbState(db)).events).toBe(afterRetry.events);

    // The saved position moved with the fix: mirror reads only the 3 new lines.
    const resumed = await cli(["mirror", file, "--db", db, "--json", "--quiet"]);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({
      lines_read: 3,
      quarantined: 0,
      duplicates: 0,
    });
    const state = await dbState(db);
    expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
    const clean = await cleanKeys(dir, "clean", readFileSync(file, "utf8").trimEnd().split("\n"));
    expect([...state.keys].sort()).toEqual([...clean].sort());
  });

  test("an empty quarantine", async () => {
    const { dir } = setUp();
    const db = join(dir, "empty.db");
    writeFileSync(join(dir, "ok.jsonl"), `${realisticLines(2).join("\n")}\n`);
    expect((await cli(["mirror", join(dir, "ok.jsonl"), "--db", db, "--quiet"])).code).toBe(0);
    expect(await cli(["quarantine", "--db", db])).toMatchObject({
      code: 0,
      stdout: "",
      stderr: "no quarantined lines\n",
    });
  });
});
