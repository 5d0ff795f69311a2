import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { upstreamKey } from "../../src/mirror/idempotency-key.ts";
import { keyAliasesOf, mapLegacyRecord } from "../../src/mirror/map-record.ts";
import { Mirror } from "../../src/mirror/mirror.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { upstreamEvents, upstreamMirror } from "./upstream-emulator.ts";

const EVERY_KIND = join(import.meta.dir, "golden/every-kind.jsonl");
const lines = () => readFileSync(EVERY_KIND, "utf8").split("\n").filter(Boolean);
const records = () => lines().map((l) => JSON.parse(l) as Record<string, unknown>);

const open = () => EventStore.open(join(tempDir(), "events.db"));

test("two different records of one kind, issue and second are two events; the same record twice is one", async () => {
  const store = await open();
  const m = new Mirror(store);
  const at = "2026-05-27T20:30:07+00:00";
  const reading = { ts: at, kind: "watchdog_worker_stuck", issue: 7, stuck_after_s: 600 };
  m.mirrorRecord({ ...reading, idle_s: 610 });
  m.mirrorRecord({ ...reading, idle_s: 640 });
  const err = { ts: at, kind: "stage_error", stage: "po", slot: 1, issue: 7 };
  m.mirrorRecord({ ...err, err: "first" });
  m.mirrorRecord({ ...err, err: "second" });
  m.mirrorRecord({ ...reading, idle_s: 640 });
  expect(m.stats()).toMatchObject({ appended: 4, duplicates: 1, conflicts: 0 });
  expect(store.countConflicts()).toBe(0);
  store.close();
});

test("a remaining conflict is stored in the conflicts table, once, with its source and line", async () => {
  const store = await open();
  const record = {
    ts: "2026-06-02T12:00:00Z",
    kind: "worktree_reaped",
    issue: 9,
    status: "merged",
  };
  const key = mapLegacyRecord(record, null, store.keyFormat())![0]!.idempotencyKey!;
  const held = store.append("worktree.reaped", { other: true }, { idempotencyKey: key });
  const m = new Mirror(store);
  const origin = { source: "/runs/events.jsonl", lineNumber: 12, raw: JSON.stringify(record) };
  expect(m.mirrorRecord(record, origin)).toMatchObject({ status: "mirrored", conflicts: 1 });
  m.mirrorRecord(record, origin);
  const [c, ...rest] = store.listConflicts();
  expect(rest).toEqual([]);
  expect(c).toMatchObject({
    idempotency_key: key,
    existing_sequence: held.event.sequence,
    kind: "worktree.reaped",
    source: "/runs/events.jsonl",
    line_number: 12,
  });
  expect(JSON.parse(c!.payload_json)).toMatchObject({ legacy_kind: "worktree_reaped", issue: 9 });
  expect(store.countConflicts()).toBe(1);
  expect(m.stats().conflicts).toBe(2);
  store.close();
});

test("a database with keys of the earlier at=<ts> format: re-mirroring the same JSONL appends nothing", async () => {
  const store = await open();
  // The earlier release's rows: same events, keys `legacy/<legacy kind>/<durable kind>/.../at=<ts>`.
  let written = 0;
  for (const rec of records()) {
    const events = mapLegacyRecord(rec as { kind: string });
    const aliases = keyAliasesOf(rec as { kind: string });
    if (!events || !aliases) continue;
    events.forEach((e, i) => {
      const r = store.append(e.kind, e.payload, { ...e, idempotencyKey: aliases[i]!.v1 });
      if (r.outcome === "appended") written++;
    });
  }
  const tick = records().find((r) => r.kind === "tick_start" && r.tick === 1)!;
  expect(store.hasKey(`legacy/tick_start/tick.started/tick=1/at=${tick.ts}`)).toBe(true);
  const head = store.latestSequence();
  const m = new Mirror(store);
  for (const line of lines()) m.mirrorRecord(JSON.parse(line));
  // Every event whose old key is stored is a duplicate, even the second same-second reading
  // the old key collapsed: that database never told the two apart, and nothing is doubled.
  expect(m.stats()).toMatchObject({ appended: 0, conflicts: 0, upstreamDuplicates: 0 });
  expect(store.latestSequence()).toBe(head);
  expect(written).toBe(head);
  store.close();
});

test("upstream keys: empty parts for missing and 0, worker and PR by their rules", () => {
  expect(
    upstreamKey("task.dispatched", "worker_started", {
      tick: 0,
      issue: 167,
      worktree: "/tmp/wt",
      session_id: null,
      branch: "b",
    }),
  ).toBe("legacy-runner:task.dispatched:worker_started:tick=:issue=167:worker=/tmp/wt:pr=");
  expect(upstreamKey("critique.issued", "critic_done", { issue: 1, pr: 201, pr_url: "" })).toBe(
    "legacy-runner:critique.issued:critic_done:tick=:issue=1:worker=:pr=201",
  );
});

test("golden cross-check: the same JSONL mirrored by forge-loop's mirror and then by ours stores no durable event twice", async () => {
  const dir = tempDir();
  const db = join(dir, "events.db");
  (await EventStore.open(db)).close();
  const written = upstreamMirror(db, records());
  expect(written).toBeGreaterThan(30);
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  for (const line of lines()) m.mirrorRecord(JSON.parse(line));
  const s = m.stats();
  expect(s.conflicts).toBe(0);
  expect(s.upstreamDuplicates).toBeGreaterThan(30);
  const ours = [...store.since(written)];
  expect(ours.length).toBe(s.appended);
  // What we add is only what forge-loop's mirror does not map.
  const upstreamPairs = new Set(
    records().flatMap((r) => upstreamEvents(r).map((e) => `${r.kind}>${e.kind}`)),
  );
  const added = ours.map((e) => `${e.payload.legacy_kind}>${e.kind}`);
  expect(added.filter((p) => upstreamPairs.has(p))).toEqual([]);
  expect([...new Set(added)].sort()).toEqual(
    [
      "signal_stop>loop.halted",
      "stop_file_seen>loop.halted",
      "tick_all_skipped>tick.completed",
      "tick_idle>tick.completed",
      "worktree_preserved>worker.observation",
    ].sort(),
  );
  // One merged PR, one pr.merged, whichever writer stored it.
  const merged = [...store.since(0, { kinds: ["pr.merged"] })];
  expect(merged.map((e) => e.task_id).sort()).toEqual(["issue:301", "issue:301", "issue:305"]);
  // (forge-loop's own mirror stores 301's merge twice, from the transition and from tick_done.)
  expect(store.countKeyPrefix("legacy-runner:")).toBe(written);
  // Mirroring again changes nothing.
  const again = new Mirror(store);
  for (const line of lines()) again.mirrorRecord(JSON.parse(line));
  expect(again.stats().appended).toBe(0);
  store.close();
});

test("our mirror alone: every kind maps, one pr.merged per merged PR, cost fields on it", async () => {
  const store = await open();
  const m = new Mirror(store);
  for (const line of lines()) m.mirrorRecord(JSON.parse(line));
  expect(m.stats()).toMatchObject({ conflicts: 0, quarantined: 0 });
  const merged = [...store.since(0, { kinds: ["pr.merged"] })];
  expect(merged.map((e) => e.task_id)).toEqual(["issue:301", "issue:305"]);
  expect(merged[0]!.payload).toMatchObject({
    status: "merged",
    cost_usd: 1.25,
    input_tokens: 1000,
    output_tokens: 200,
  });
  expect(merged[1]!.payload).toMatchObject({ cost_usd: 0, input_tokens: 0, output_tokens: 0 });
  expect(merged[0]!.idempotency_key).toBe("fe:pr.merged:issue=301:pr=401");
  // The second report of 305's merge (the automerge record) is a duplicate, not a conflict.
  expect(m.stats().duplicates).toBe(1);
  store.close();
});

test("the timeline's summary counts idle ticks as ticks: '4 ticks (2 idle)'", async () => {
  const { replayTimelines } = await import("../../src/replay/timeline-projection.ts");
  const { renderTimelines } = await import("../../src/replay/render-timeline.ts");
  const store = await open();
  const m = new Mirror(store);
  for (const line of lines()) m.mirrorRecord(JSON.parse(line));
  // tick_start twice (one without a tick), tick_done twice, one idle and one all-skipped tick.
  expect(renderTimelines(replayTimelines(store))).toContain("\n4 ticks (2 idle); last event #");
  store.close();
});
