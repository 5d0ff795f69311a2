import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Mirror } from "../../src/mirror/mirror.ts";
import { TIMELINE_CURSOR } from "../../src/replay/projection-home.ts";
import { sortedTasks } from "../../src/replay/render-timeline.ts";
import {
  catchUpTimelines,
  currentTimelines,
  loadTimelines,
  replayTimelines,
} from "../../src/replay/timeline-projection.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { GOLDEN_JSONL, runSession } from "../plugin/session.ts";

const goldenRecords = () =>
  readFileSync(GOLDEN_JSONL, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("re-mirroring the same records appends nothing", async () => {
  const dir = tempDir();
  const store = await EventStore.open(join(dir, "e.db"));
  const first = new Mirror(store);
  for (const r of goldenRecords()) first.mirrorRecord(r);
  const head = store.latestSequence();
  expect(first.stats().appended).toBe(head);
  const second = new Mirror(store);
  for (const r of goldenRecords()) second.mirrorRecord(r);
  expect(store.latestSequence()).toBe(head);
  expect(second.stats()).toMatchObject({ appended: 0, duplicates: head, conflicts: 0 });
  store.close();
});

test("two observations of one worker stay two events; unknown kinds are skipped and counted", async () => {
  const dir = tempDir();
  const store = await EventStore.open(join(dir, "e.db"));
  const m = new Mirror(store);
  const stuck = { kind: "watchdog_worker_stuck", issue: 168, idle_s: 640, stuck_after_s: 600 };
  m.mirrorRecord({ ts: "2026-06-02T12:00:00Z", ...stuck });
  m.mirrorRecord({ ts: "2026-06-02T12:10:00Z", ...stuck });
  m.mirrorRecord({ kind: "mcp_tool_rate_limited", tool: "t", cap: 1, count: 2 });
  m.mirrorRecord({ kind: "mcp_tool_rate_limited", tool: "t", cap: 1, count: 3 });
  expect([...store.since(0)].map((e) => e.kind)).toEqual(["task.heartbeat", "task.heartbeat"]);
  expect(m.stats().skipped).toEqual({ mcp_tool_rate_limited: 2 });
  store.close();
});

test("a record with wrong field types is quarantined, not mirrored, and nothing else is lost", async () => {
  const dir = tempDir();
  const store = await EventStore.open(join(dir, "e.db"));
  const m = new Mirror(store);
  const outcome = m.mirrorRecord({ kind: "tick_start", tick: "seven", issues: [167] });
  m.mirrorRecord({ kind: "tick_start", tick: 8, issues: [167] });
  expect(outcome).toMatchObject({ status: "quarantined" });
  expect(outcome.status === "quarantined" && outcome.reason).toContain('field "tick"');
  const [q] = store.listQuarantine();
  expect(q).toMatchObject({ source: "plugin" });
  expect(q?.raw).toBe('{"kind": "tick_start", "tick": "seven", "issues": [167]}');
  expect(store.latestSequence()).toBe(2);
  store.close();
});

test("after close and reopen, replay from sequence 0 rebuilds every task's timeline", async () => {
  const dir = tempDir();
  await runSession(dir, { jsonl: "e.jsonl", db: "e.db", mirror: true });
  const store = await EventStore.open(join(dir, "e.db"), { readonly: true });
  const t = replayTimelines(store);
  store.close();
  const byIssue = Object.fromEntries(sortedTasks(t).map((task) => [task.issue, task]));
  expect(Object.keys(byIssue)).toEqual(["167", "168", "169", "170", "171", "172", "173"]);
  expect(byIssue[167]).toMatchObject({
    ticks: [0],
    planned: true,
    dispatches: 2,
    progress: 1,
    terminal: "completed",
    status: "merged",
    critic_verdicts: ["approve", "merged"],
    pr_url: "https://github.com/acme/forge-loop/pull/201",
    pr_merged: true,
    worktree_reaped: true,
  });
  expect(byIssue[168]).toMatchObject({
    terminal: "failed",
    status: "timeout",
    progress: 3,
    pr_url: null,
  });
  expect(byIssue[169]).toMatchObject({
    ticks: [0, 1, 2],
    terminal: "compensated",
    merge_blocked: true,
    critic_verdicts: ["block", "blocked", "revising"],
  });
  expect(byIssue[170]).toMatchObject({ terminal: "compensated", merge_blocked: true });
  expect(byIssue[171]).toMatchObject({ status: "stale", progress: 1, worktree_reaped: true });
  expect(byIssue[172]).toMatchObject({ terminal: "failed", status: "no_pr" });
  expect(byIssue[173]).toMatchObject({ status: "budget_exceeded", critic_verdicts: ["unknown"] });
  expect(t.loop.halts.map((h) => h.reason)).toEqual([
    "deploy_drift_halt",
    "loop_drift_halt",
    "stop_file_seen",
    "signal_stop",
    "max_ticks_reached",
    "loop_stop",
  ]);
});

test("the incremental projection (stored with its cursor) equals a from-scratch replay", async () => {
  const dir = tempDir();
  const db = join(dir, "e.db");
  const records = goldenRecords();
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  // Catch up after every few records, as a live reader would.
  records.forEach((r, i) => {
    m.mirrorRecord(r);
    if (i % 7 === 0) catchUpTimelines(store, 5);
  });
  catchUpTimelines(store, 5);
  store.close();
  const reopened = await EventStore.open(db);
  expect(reopened.getCursor(TIMELINE_CURSOR)).toBe(reopened.latestSequence());
  const incremental = loadTimelines(reopened);
  const scratch = replayTimelines(reopened);
  expect(sortedTasks(incremental)).toEqual(sortedTasks(scratch));
  expect(incremental.loop).toEqual(scratch.loop);
  expect(catchUpTimelines(reopened).applied).toBe(0);
  reopened.close();
});

test("hook then JSONL import of the same milestones gives no duplicates", async () => {
  const dir = tempDir();
  const { plugin } = await runSession(dir, { jsonl: "e.jsonl", db: "e.db", mirror: true });
  const store = await EventStore.open(join(dir, "e.db"));
  const head = store.latestSequence();
  expect(head).toBe(plugin.stats().mirror?.appended ?? -1);
  const m = new Mirror(store);
  const lines = readFileSync(join(dir, "e.jsonl"), "utf8").split("\n").filter(Boolean);
  for (const line of lines) m.mirrorRecord(JSON.parse(line));
  expect(store.latestSequence()).toBe(head);
  expect(m.stats()).toMatchObject({ appended: 0, conflicts: 0, duplicates: head });
  expect(store.verify().ok).toBe(true);
  store.close();
});

test("currentTimelines stores the caught-up projection when writable, and only reads when not", async () => {
  const dir = tempDir();
  const db = join(dir, "e.db");
  const records = goldenRecords();
  const half = Math.floor(records.length / 2);
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  for (const r of records.slice(0, half)) m.mirrorRecord(r);
  const first = currentTimelines(store);
  expect(store.getCursor(TIMELINE_CURSOR)).toBe(store.latestSequence());
  expect(sortedTasks(first)).toEqual(sortedTasks(replayTimelines(store)));
  for (const r of records.slice(half)) m.mirrorRecord(r);
  const stored = store.getCursor(TIMELINE_CURSOR);
  store.close();
  const reader = await EventStore.open(db, { readonly: true });
  const read = currentTimelines(reader);
  expect(reader.getCursor(TIMELINE_CURSOR)).toBe(stored);
  expect(sortedTasks(read)).toEqual(sortedTasks(replayTimelines(reader)));
  expect(read.loop).toEqual(replayTimelines(reader).loop);
  reader.close();
});

test("a projection stored by earlier rules is rebuilt from sequence 0, never caught up on top", async () => {
  const dir = tempDir();
  const db = join(dir, "e.db");
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  for (const r of goldenRecords()) m.mirrorRecord(r);
  catchUpTimelines(store);
  // What an earlier release left: no rules version, a task folded differently.
  const old = loadTimelines(store);
  const { rules: _, ...oldLoop } = old.loop;
  const task = old.tasks.get(167)!;
  store.transaction(() =>
    store.saveTimelineState(
      [[167, JSON.stringify({ ...task, ticks: [0, 1, 2, 3] })]],
      JSON.stringify(oldLoop),
    ),
  );
  store.close();
  const reader = await EventStore.open(db, { readonly: true });
  expect(sortedTasks(currentTimelines(reader))).toEqual(sortedTasks(replayTimelines(reader)));
  reader.close();
  const writer = await EventStore.open(db);
  const rebuilt = currentTimelines(writer);
  expect(rebuilt.tasks.get(167)?.ticks).toEqual([0]);
  expect(sortedTasks(rebuilt)).toEqual(sortedTasks(replayTimelines(writer)));
  expect(loadTimelines(writer).loop.rules).toBe(2);
  writer.close();
});

test("a rewound timeline cursor rebuilds the projection instead of folding events twice", async () => {
  const dir = tempDir();
  const db = join(dir, "e.db");
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  for (const r of goldenRecords()) m.mirrorRecord(r);
  catchUpTimelines(store, 7);
  store.setCursor(TIMELINE_CURSOR, 5, { rewind: true });
  const again = currentTimelines(store);
  const scratch = replayTimelines(store);
  expect(sortedTasks(again)).toEqual(sortedTasks(scratch));
  expect(again.loop).toEqual(scratch.loop);
  expect(again.loop.halts.length).toBeGreaterThan(0);
  expect(store.getCursor(TIMELINE_CURSOR)).toBe(store.latestSequence());
  store.close();
});
