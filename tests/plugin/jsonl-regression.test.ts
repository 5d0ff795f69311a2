import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers.ts";
import { GOLDEN_JSONL, runSession } from "./session.ts";

// The golden file is the session's JSONL re-encoded by Python's json.dumps(rec, default=str).
test("the legacy JSONL is byte-identical to the Python runner's, mirroring off", async () => {
  const dir = tempDir();
  await runSession(dir, { jsonl: "events.jsonl", mirror: false });
  expect(readFileSync(join(dir, "events.jsonl"), "utf8")).toBe(readFileSync(GOLDEN_JSONL, "utf8"));
  expect(existsSync(join(dir, ".forge"))).toBe(false);
});

test("with mirroring on, the JSONL is still written and byte-identical to the run without", async () => {
  const off = tempDir();
  const on = tempDir();
  await runSession(off, { jsonl: "events.jsonl", mirror: false });
  const { plugin } = await runSession(on, { jsonl: "events.jsonl", db: "events.db", mirror: true });
  const bytesOff = readFileSync(join(off, "events.jsonl"));
  const bytesOn = readFileSync(join(on, "events.jsonl"));
  expect(bytesOn.equals(bytesOff)).toBe(true);
  expect(plugin.stats().mirror?.appended).toBeGreaterThan(50);
  expect(plugin.stats().durableFailed).toBe(0);
});

test("a milestone given ts null is written without ts, like the runner's old code paths", async () => {
  const dir = tempDir();
  const { EventLogPlugin } = await import("../../src/plugin.ts");
  const { resolveConfig } = await import("../../src/config.ts");
  const plugin = await EventLogPlugin.create({ config: resolveConfig({ jsonl: "e.jsonl" }, dir) });
  plugin.onTick({ kind: "tick_start", tick: 7, issues: [167], ts: null });
  plugin.onWorker({
    kind: "worker_started",
    tick: 7,
    issue: 167,
    worktree: "/tmp/wt-loop-167",
    ts: null,
  });
  plugin.close();
  expect(readFileSync(join(dir, "e.jsonl"), "utf8")).toBe(
    '{"kind": "tick_start", "tick": 7, "issues": [167]}\n' +
      '{"kind": "worker_started", "tick": 7, "issue": 167, "worktree": "/tmp/wt-loop-167"}\n',
  );
});

test("a milestone that is not a record is written nowhere, counted and warned about once", async () => {
  const dir = tempDir();
  const { EventLogPlugin } = await import("../../src/plugin.ts");
  const { resolveConfig } = await import("../../src/config.ts");
  const warnings: string[] = [];
  const plugin = await EventLogPlugin.create({
    config: resolveConfig({ jsonl: "e.jsonl", db: "e.db", mirror: true }, dir),
    logger: { warn: (m) => warnings.push(m) },
  });
  for (const bad of ["abc", {}, { kind: "" }, { kind: 7 }, null, [1, 2]]) {
    plugin.onRecord(bad as never);
  }
  plugin.onTick({ kind: "tick_start", tick: 7, issues: [167], ts: null });
  plugin.close();
  const lines = readFileSync(join(dir, "e.jsonl"), "utf8").trimEnd().split("\n");
  expect(lines).toEqual(['{"kind": "tick_start", "tick": 7, "issues": [167]}']);
  expect(plugin.stats()).toMatchObject({ milestones: 7, rejected: 6, jsonlWritten: 1 });
  expect(plugin.stats().mirror?.quarantined).toBe(0);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("ignored a milestone");
});
