import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { LOOP_EVENT_NAMES } from "../../src/fmail/events.ts";
import { LoopEventPublisher } from "../../src/fmail/publisher.ts";
import { readTopic } from "../../src/fmail/read.ts";
import { sequentialIds, steppingClock, tempDir } from "../helpers.ts";

const GOLDEN = join(import.meta.dir, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** One legacy runner stream that yields each lifecycle event exactly once. */
const RECORDS: unknown[] = [
  {
    ts: "2026-01-11T15:25:00+00:00",
    kind: "loop_start",
    parallel: 3,
    label: "coder-1",
    orchestrator: "claude",
    pools: { po: 1, worker: 3, critic: 1 },
  },
  { ts: "2026-01-11T15:29:15.000Z", kind: "tick_start", tick: 42, issues: [167, 170] },
  {
    ts: "2026-01-11T15:29:16Z",
    kind: "worker_started",
    tick: 42,
    issue: 167,
    worktree: "/tmp/wt-167",
  },
  {
    ts: "2026-01-11T15:30:00Z",
    kind: "tick_done",
    tick: 42,
    merged: [167],
    outcomes: [
      {
        issue: 167,
        title: "Fix auth",
        pr_url: "https://x/pr/42",
        status: "merged",
        duration_s: 40,
      },
      { issue: 170, title: "Slow", pr_url: null, status: "timeout", duration_s: 45 },
    ],
  },
  {
    ts: "2026-01-11T15:30:05Z",
    kind: "stage_error",
    stage: "worker",
    slot: 1,
    issue: 171,
    err: 'claude exited 1: <stderr> & "more"',
  },
  {
    ts: "2026-01-11T15:31:00+00:00",
    kind: "worker_skip_cooldown",
    issue: 170,
    fingerprint: "9f2c",
    cooldown_remaining_s: 1800,
    matched_ts: "2026-01-11T15:00:00Z",
  },
  { ts: "2026-01-11T15:32:00Z", kind: "loop_stop", tick: 42 },
];

describe("golden lifecycle messages", () => {
  test("every lifecycle event's message file matches its golden bytes", () => {
    const root = tempDir();
    const publisher = new LoopEventPublisher(
      { enabled: true, emit: [...LOOP_EVENT_NAMES] },
      {
        cwd: root,
        env: { FMAIL_ROOT: root },
        now: steppingClock("2026-01-11T15:30:00.250Z", 1250),
        newId: sequentialIds("20260111-153000"),
      },
    );
    const published = RECORDS.flatMap((r) => publisher.observe(r));
    expect(publisher.stats()).toEqual({ derived: 6, filtered: 0, published: 6, failed: 0 });
    const order = [
      "loop_start",
      "iteration_start",
      "iteration_complete",
      "loop_error",
      "loop_cooldown",
      "loop_stop",
    ];
    expect(published.map((p) => (p.message.body as { event: string }).event)).toEqual(order);
    expect([...order].sort()).toEqual([...LOOP_EVENT_NAMES].sort());

    const dir = join(root, ".fmail", "topics", "forge-events");
    expect(readdirSync(dir).sort()).toEqual(published.map((p) => `${p.message.id}.json`));
    for (const p of published) {
      const event = (p.message.body as { event: string }).event;
      const bytes = readFileSync(p.path, "utf8");
      const goldenPath = join(GOLDEN, `${event}.json`);
      if (UPDATE) writeFileSync(goldenPath, bytes);
      expect(basename(p.path)).toBe(`${p.message.id}.json`);
      expect(bytes).toBe(readFileSync(goldenPath, "utf8"));
    }
    expect(readTopic(root, "forge-events").messages.map((m) => m.id)).toEqual(
      published.map((p) => p.message.id),
    );
  });
});
