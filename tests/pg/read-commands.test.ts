/** The read commands on a PostgreSQL log that two runners shipped into. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, jsonLines, MAIN, waitFor } from "../helpers.ts";
import { adminQuery, dropSchemas, freshSchema } from "./pg-server.ts";

let url: string;
let schema: string;
let dir: string;
const RUNNERS = ["runner-a", "runner-b"];
const db = (r: string) => join(dir, `${r}.db`);

// One log for the whole file (temp dirs made by tests/helpers are removed after each test).
beforeAll(async () => {
  ({ url, schema } = await freshSchema("read"));
  dir = mkdtempSync(join(tmpdir(), "fel-pgread-"));
  for (const r of RUNNERS) {
    const jsonl = join(dir, `${r}.jsonl`);
    writeLines(jsonl, realisticLines(300));
    expect((await cli(["mirror", jsonl, "--db", db(r)])).code).toBe(0);
    expect((await cli(["ship", "--db", db(r), "--to", url, "--source", r])).code).toBe(0);
  }
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas();
});

async function localCount(r: string): Promise<number> {
  return jsonLines((await cli(["replay", "--db", db(r), "--json"])).stdout).length;
}

test("replay and export read every event in order, the same objects", async () => {
  const replay = await cli(["replay", "--db", url, "--json"]);
  expect(replay.code).toBe(0);
  const events = jsonLines(replay.stdout);
  const total = (await localCount("runner-a")) + (await localCount("runner-b"));
  expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const exported = await cli(["export", "--db", url]);
  expect(exported.code).toBe(0);
  expect(jsonLines(exported.stdout)).toEqual(events);
  const filtered = jsonLines((await cli(["replay", "--db", url, "--json", "--tick", "7"])).stdout);
  expect(filtered.length).toBeGreaterThan(0);
  expect(filtered.every((e) => e.saga_id === "tick:7")).toBe(true);
});

test("timeline: per runner equal to its local log's, fleet-wide one set per runner", async () => {
  for (const r of RUNNERS) {
    const shared = await cli(["timeline", "--db", url, "--source", r, "--json"]);
    expect(shared.code).toBe(0);
    const local = await cli(["timeline", "--db", db(r), "--json"]);
    expect(jsonLines(shared.stdout).map(({ source, ...t }) => t)).toEqual(jsonLines(local.stdout));
  }
  const fleet = jsonLines(
    (await cli(["timeline", "--db", url, "--json", "--issue", "167"])).stdout,
  );
  expect(fleet.filter((t) => !("loop" in t)).map((t) => [t.source, t.issue])).toEqual([
    ["runner-a", 167],
    ["runner-b", 167],
  ]);
  const text = await cli(["timeline", "--db", url]);
  expect(text.stdout).toContain("== runner-a ==");
  expect(text.stdout).toContain("== runner-b ==");
});

test("stats, cursors and a config whose db is the URL", async () => {
  const stats = JSON.parse((await cli(["stats", "--db", url, "--json"])).stdout);
  expect(stats.sources).toEqual(
    await Promise.all(RUNNERS.map(async (r) => ({ source: r, count: await localCount(r) }))),
  );
  const pg = await PgEventStore.open(url);
  await pg.setCursor("reader", 5);
  await pg.close();
  const cursors = jsonLines((await cli(["cursors", "--db", url, "--json"])).stdout);
  expect(cursors).toEqual([{ name: "reader", sequence: 5, lag: stats.events - 5 }]);
  const cfgDir = mkdtempSync(join(tmpdir(), "fel-pgcfg-"));
  try {
    writeFileSync(join(cfgDir, "forge-eventlog.config.json"), JSON.stringify({ db: url }));
    const r = await cli(["replay", "--json", "--limit", "2"], { cwd: cfgDir });
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((e) => e.sequence)).toEqual([1, 2]);
    // A writing command on a PostgreSQL URL: one line saying what it works on.
    const compact = await cli(["compact", "--db", url]);
    expect(compact.code).toBe(2);
    expect(compact.stderr.trim().split("\n")).toHaveLength(1);
    expect(compact.stderr).toContain("local SQLite file");
  } finally {
    rmSync(cfgDir, { recursive: true, force: true });
  }
});

test("tail wakes on commits through LISTEN/NOTIFY", async () => {
  const proc = Bun.spawn(
    [process.execPath, MAIN, "tail", "--db", url, "-n", "0", "--json", "--count", "3"],
    {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  let stderr = "";
  let stdout = "";
  (async () => {
    for await (const c of proc.stderr) stderr += new TextDecoder().decode(c);
  })();
  (async () => {
    for await (const c of proc.stdout) stdout += new TextDecoder().decode(c);
  })();
  await waitFor("tail to follow", () => stderr.includes("following"));
  const pg = await PgEventStore.open(url);
  try {
    // One commit at a time; each is printed before the next is made.
    for (let i = 0; i < 3; i++) {
      await pg.append("task.heartbeat", { i });
      await waitFor(`tail to print event ${i}`, () => jsonLines(stdout).length === i + 1);
    }
  } finally {
    await pg.close();
  }
  expect(await proc.exited).toBe(0);
  expect(jsonLines(stdout).map((e) => (e.payload as { i: number }).i)).toEqual([0, 1, 2]);
});

test("verify names the first edited row", async () => {
  expect((await cli(["verify", "--db", url])).code).toBe(0);
  await adminQuery(`UPDATE ${schema}.events SET payload_json = '{"edited":1}' WHERE sequence = 42`);
  const r = await cli(["verify", "--db", url]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain("sequence 42");
  expect(r.stderr).toContain(schema);
});

test("report on a PostgreSQL log: one runner's loop with --source; several runners need it", async () => {
  const out = join(dir, "fleet.html");
  const none = await cli(["report", "--db", url, "-o", out]);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain("pick one with --source (runner-a, runner-b)");
  const unknown = await cli(["report", "--db", url, "--source", "runner-z", "-o", out]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('no runner "runner-z"');
  for (const r of RUNNERS) {
    const file = join(dir, `${r}.html`);
    expect((await cli(["report", "--db", url, "--source", r, "-o", file])).code).toBe(0);
    const local = join(dir, `${r}-local.html`);
    expect((await cli(["report", "--db", db(r), "-o", local])).code).toBe(0);
    // The runner's own loop: its events only (both runners' would be twice as many).
    expect(await Bun.file(file).text()).toContain(` · ${await localCount(r)} events · `);
    const issues = (html: string) =>
      [...html.matchAll(/id="issue-(\d+)"/g)].map((m) => m[1]).sort();
    expect(issues(await Bun.file(file).text())).toEqual(issues(await Bun.file(local).text()));
    expect(issues(await Bun.file(file).text()).length).toBeGreaterThan(0);
  }
});
