import { expect, test } from "bun:test";
import { cli, tempDir } from "../helpers.ts";
import { demoDb } from "../views/demo-db.ts";

test("timeline --issue N ends with the issue's story in time order", async () => {
  const db = await demoDb(tempDir());
  const r = await cli(["timeline", "--db", db, "--issue", "169"]);
  expect(r.code).toBe(0);
  const story = r.stdout.split("\n").find((l) => l.startsWith("story: "));
  expect(story).toMatch(
    /^story: \d\d:\d\d:\d\d planned \(tick 0\) → .* dispatched s-169-1 → .* PR #202 → .* critic block \(sev1 1, sev2 1\) → .*compensated$/,
  );
  // Only issue 169's own events: no other issue's PR or session.
  expect(story).not.toContain("s-167");
  expect(story).not.toContain("#201");
});

test("timeline ends with the loop's totals; --status and --json leave them out", async () => {
  const db = await demoDb(tempDir());
  const r = await cli(["timeline", "--db", db]);
  expect(r.code).toBe(0);
  const lines = r.stdout.split("\n");
  const at = lines.indexOf("Totals");
  expect(at).toBeGreaterThan(0);
  const totals = lines.slice(at + 1).join("\n");
  expect(totals).toContain("4 ticks (1 idle), 7 issues, 75 events");
  expect(totals).toContain(
    "merged 1 (14%); failed: budget_exceeded 1, no_pr 1, stale 1, timeout 1; blocked 2",
  );
  expect(totals).toMatch(/time to merge: median \d+m \d+s/);
  expect(totals).toContain("cost $20.04");
  const filtered = await cli(["timeline", "--db", db, "--status", "merged"]);
  expect(filtered.stdout).not.toContain("Totals");
  const json = await cli(["timeline", "--db", db, "--json"]);
  expect(json.stdout).not.toContain("Totals");
});

test("timeline shows halts in local time (TZ) with their age; --utc for UTC", async () => {
  const db = await demoDb(tempDir());
  const env = { TZ: "Asia/Kolkata" };
  const local = await cli(["timeline", "--db", db], { env });
  expect(local.stdout).toMatch(
    /\nhalt: deploy_drift_halt \(event #\d+, 2026-06-02 17:\d\d:\d\d\.\d{3} \+05:30, \d+d ago\)\n/,
  );
  const utc = await cli(["timeline", "--db", db, "--utc"], { env });
  expect(utc.stdout).toMatch(
    /\nhalt: deploy_drift_halt \(event #\d+, 2026-06-02 12:\d\d:\d\d\.\d{3} UTC, \d+d ago\)\n/,
  );
});

test("timeline --format csv: a header of every timeline field, one row per task, nothing else", async () => {
  const db = await demoDb(tempDir());
  const r = await cli(["timeline", "--db", db, "--format", "csv"]);
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(8);
  expect(lines[0]).toStartWith("issue,task_id,ticks,planned,");
  const header = lines[0]!.split(",");
  const row167 = lines.find((l) => l.startsWith("167,"))!.split(",");
  const cell = (name: string) => row167[header.indexOf(name)];
  expect(cell("status")).toBe("merged");
  expect(cell("critic_verdicts")).toBe("approve merged");
  expect(cell("pr_url")).toBe("https://github.com/acme/forge-loop/pull/201");
  const tsv = await cli(["timeline", "--db", db, "--format", "tsv"]);
  expect(tsv.stdout.split("\n")[0]).toStartWith("issue\ttask_id\tticks\t");
  const bad = await cli(["timeline", "--db", db, "--format", "xml"]);
  expect(bad.code).toBe(2);
});
