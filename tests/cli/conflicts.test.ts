import { expect, test } from "bun:test";
import { join } from "node:path";
import { mapLegacyRecord } from "../../src/mirror/map-record.ts";
import { Mirror } from "../../src/mirror/mirror.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { cli, jsonLines, tempDir } from "../helpers.ts";

async function dbWithConflict(): Promise<string> {
  const db = join(tempDir(), "events.db");
  const store = await EventStore.open(db);
  const record = {
    ts: "2026-06-02T12:00:00Z",
    kind: "worktree_reaped",
    issue: 9,
    status: "merged",
  };
  const key = mapLegacyRecord(record, null, store.keyFormat())![0]!.idempotencyKey!;
  store.append("worktree.reaped", { other: true }, { idempotencyKey: key });
  new Mirror(store).mirrorRecord(record, { source: "/r/e.jsonl", lineNumber: 4, raw: "{}" });
  // A row forge-loop's own mirror wrote.
  store.append(
    "tick.started",
    { tick: 1 },
    { idempotencyKey: "legacy-runner:tick.started:tick_start:tick=1:issue=:worker=:pr=" },
  );
  store.close();
  return db;
}

test("conflicts --json lists each stored conflict; stats counts them and names two writers", async () => {
  const db = await dbWithConflict();
  const r = await cli(["conflicts", "--db", db, "--json"]);
  expect(r.code).toBe(0);
  const rows = jsonLines(r.stdout);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    existing_sequence: 1,
    kind: "worktree.reaped",
    source: "/r/e.jsonl",
    line_number: 4,
  });
  const human = await cli(["conflicts", "--db", db]);
  expect(human.stdout).toContain("/r/e.jsonl:4");
  const stats = jsonLines((await cli(["stats", "--db", db, "--json"])).stdout)[0]!;
  expect(stats).toMatchObject({
    conflicts: 1,
    writers: ["forge-eventlog", "forge-loop"],
    keys: { forge_eventlog: 1, forge_eventlog_earlier: 0, forge_loop: 1 },
  });
  const text = (await cli(["stats", "--db", db])).stdout;
  expect(text).toContain("conflicts    1 (list them: forge-eventlog conflicts)\n");
  expect(text).toContain("writers      two: forge-eventlog");
});

test("conflicts on a database with none says so on stderr and prints nothing", async () => {
  const db = join(tempDir(), "empty.db");
  (await EventStore.open(db)).close();
  const r = await cli(["conflicts", "--db", db]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain("no conflicts");
});

test("replay shows an occurred_at without a fraction whole", async () => {
  const db = join(tempDir(), "t.db");
  const store = await EventStore.open(db);
  store.append("tick.started", { tick: 1 }, { occurredAt: "2020-01-01T00:00:00Z" });
  store.close();
  const { shortTime } = await import("../../src/cli/common/output.ts");
  expect(shortTime("2020-01-01 00:00:00+00:00")).toBe("2020-01-01 00:00:00");
  expect(shortTime("2026-06-02T12:34:56.789000+00:00")).toBe("2026-06-02 12:34:56.789");
  const r = await cli(["replay", "--db", db]);
  expect(r.stdout).toContain("2020-01-01 00:00:00");
  expect(r.stdout).not.toContain("+00:");
});
