import { describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "../helpers.ts";
import { demoDb } from "../views/demo-db.ts";

/** name{labels} → value, from the text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe("metrics", () => {
  test("the demo's loop counters in Prometheus text", async () => {
    const db = await demoDb(tempDir());
    const r = await cli(["metrics", "--db", db]);
    expect(r.code).toBe(0);
    const m = samples(r.stdout);
    expect(m.get("forge_eventlog_ticks_total")).toBe(4);
    expect(m.get("forge_eventlog_idle_ticks_total")).toBe(1);
    expect(m.get('forge_eventlog_tasks_total{status="timeout"}')).toBe(1);
    expect(m.get('forge_eventlog_tasks_total{status="compensated"}')).toBe(2);
    expect(m.get("forge_eventlog_merges_total")).toBe(1);
    expect(m.get("forge_eventlog_merges_blocked_total")).toBe(2);
    expect(m.get('forge_eventlog_critic_verdicts_total{verdict="approve"}')).toBe(1);
    expect(m.get("forge_eventlog_time_to_merge_seconds_count")).toBe(1);
    expect(m.get('forge_eventlog_task_duration_seconds_bucket{le="+Inf"}')).toBe(7);
    expect(m.get("forge_eventlog_cost_usd_total")).toBe(20.04);
    expect(m.get("forge_eventlog_database_size_bytes")).toBeGreaterThan(0);
    expect(m.get("forge_eventlog_quarantined_lines")).toBe(0);
    for (const line of r.stdout.split("\n").filter((l) => l.startsWith("# TYPE"))) {
      const [, , name, type] = line.split(" ");
      if (type === "counter") expect(name!.endsWith("_total")).toBe(true);
    }
  });

  test("mirror lag is the followed file's unread bytes; a bad line counts as quarantined", async () => {
    const dir = tempDir();
    const jsonl = join(dir, "runner.jsonl");
    const db = join(dir, "m.db");
    const line = `${JSON.stringify({ kind: "tick_start", tick: 0, issues: [1], ts: "2026-06-02T12:00:00Z" })}\n`;
    writeFileSync(jsonl, `${line}not json\n`);
    expect((await cli(["mirror", jsonl, "--db", db])).code).toBe(0);
    const more = `${JSON.stringify({ kind: "tick_start", tick: 1, issues: [2], ts: "2026-06-02T12:01:00Z" })}\n`;
    appendFileSync(jsonl, more);
    const out = join(dir, "forge.prom");
    const r = await cli(["metrics", "--db", db, "-o", out]);
    expect(r.code).toBe(0);
    const m = samples(readFileSync(out, "utf8"));
    expect(m.get(`forge_eventlog_mirror_lag_bytes{source="${jsonl}"}`)).toBe(
      Buffer.byteLength(more),
    );
    expect(m.get(`forge_eventlog_mirror_lag_lines{source="${jsonl}"}`)).toBe(1);
    expect(m.get("forge_eventlog_quarantined_lines")).toBe(1);
  });
});
