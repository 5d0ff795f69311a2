import { expect, test } from "bun:test";
import { KNOWN_LEGACY_KINDS } from "../../src/legacy/schemas.ts";
import { MAPPED_LEGACY_KINDS, mapLegacyRecord } from "../../src/mirror/map-record.ts";

const TS = "2026-06-02T12:34:56.789Z";
const PR = "https://github.com/acme/forge-loop/pull/201";
const outcome = (issue: number, status: string, pr_url: string | null = null) => ({
  issue,
  title: `t${issue}`,
  pr_url,
  status,
  duration_s: 12.5,
  stdout_tail: "",
  error: null,
  cost_usd: 0.5,
  usage: {},
  model: "m",
  budget_usd: 1,
});

// Representative records of every kind the mirror maps, and the durable kinds each must give.
const CASES: [Record<string, unknown>, string[]][] = [
  [
    { kind: "tick_start", tick: 0, issues: [167, 168] },
    ["tick.started", "task.planned", "task.planned"],
  ],
  [{ kind: "po_done", tick: 0, expanded: [167], skipped: [168], outcomes: [] }, ["task.planned"]],
  [
    { kind: "worker_start", tick: 0, issue: 167, worktree: "/w", session_id: "s" },
    ["task.dispatched"],
  ],
  [
    { kind: "worker_started", tick: 0, issue: 167, worktree: "/w", session_id: "s" },
    ["task.dispatched"],
  ],
  [{ kind: "worker_iteration_attempt", tick: 0, issue: 167, worktree: "/w" }, ["task.dispatched"]],
  [
    { kind: "worker_session_transition", issue: 167, new_state: "awaiting_critic", pr_url: PR },
    ["pr.opened"],
  ],
  [{ kind: "worker_session_transition", issue: 167, new_state: "abandoned" }, ["task.failed"]],
  [
    // The PR's one pr.merged comes from the outcome record (tick_done), not from here.
    { kind: "worker_session_transition", issue: 167, new_state: "merged", pr_url: PR },
    ["task.completed"],
  ],
  [{ kind: "worker_session_transition", issue: 167, new_state: "running" }, ["worker.observation"]],
  [
    { kind: "watchdog_started", issue: 167, worktree: "/w", poll_interval_s: 30 },
    ["task.heartbeat"],
  ],
  [
    { kind: "watchdog_worker_stuck", issue: 167, idle_s: 640, stuck_after_s: 600 },
    ["task.heartbeat"],
  ],
  [
    { kind: "watchdog_worker_killed", issue: 167, idle_s: 1900, kill_after_s: 1800 },
    ["task.heartbeat"],
  ],
  [
    { kind: "stage_timeout", stage: "worker", slot: 1, issue: 167, timeout_s: 1800 },
    ["task.failed"],
  ],
  [{ kind: "stage_timeout", stage: "po", slot: 1, timeout_s: 600 }, ["worker.observation"]],
  [{ kind: "stage_error", stage: "worker", slot: 1, issue: 167, err: "boom" }, ["task.failed"]],
  [
    { kind: "stage_error", stage: "critic", slot: 1, issue: 167, err: "boom" },
    ["worker.observation"],
  ],
  [{ kind: "critic_done", issue: 167, pr: 201, verdict: "approve" }, ["critique.issued"]],
  [{ kind: "critic_verdict_merged", issue: 167, pr: 201 }, ["critique.issued"]],
  [{ kind: "critic_verdict_blocked", issue: 167, pr: 201 }, ["critique.issued", "merge.blocked"]],
  [{ kind: "critic_verdict_revising", issue: 167, pr: 201, iterations: 2 }, ["critique.issued"]],
  [{ kind: "critic_verdict_unknown", issue: 167, pr: 201, overall: "?" }, ["critique.issued"]],
  [
    { kind: "merge_refused_issue_closed", issue: 167, pr: 201, issue_state: "closed" },
    ["merge.blocked"],
  ],
  [
    { kind: "worker_done", tick: 2, issue: 167, status: "merged", pr_url: PR, session_id: "s" },
    ["pr.opened", "task.completed", "pr.merged"],
  ],
  [{ kind: "worker_done", tick: 2, issue: 167, status: "no_pr", worktree: "/w" }, ["task.failed"]],
  [{ kind: "worker_done", tick: 2, issue: 167, status: "weird" }, ["worker.observation"]],
  [{ kind: "worker_failed", tick: 2, issue: 167, err: "boom", worktree: "/w" }, ["task.failed"]],
  [{ kind: "post_critic_automerge_enabled", issue: 167, pr: 201, session_id: "s" }, ["pr.merged"]],
  [
    { kind: "post_critic_automerge_failed", issue: 167, pr_url: PR, session_id: "s", err: "e" },
    ["merge.blocked"],
  ],
  [{ kind: "worker_work_rescued", issue: 167, pr: 201, hint: "h" }, ["task.compensated"]],
  [{ kind: "worktree_reaped", issue: 167, status: "merged" }, ["worktree.reaped"]],
  [{ kind: "worktree_preserved", issue: 167, status: "timeout" }, ["worker.observation"]],
  [{ kind: "tick_idle", tick: 4 }, ["tick.completed"]],
  [{ kind: "tick_all_skipped", tick: 4 }, ["tick.completed"]],
  [{ kind: "loop_drift_halt", signature: "x", last_3: [] }, ["loop.halted"]],
  [{ kind: "deploy_drift_halt", consecutive_fails: 3 }, ["loop.halted"]],
  [{ kind: "max_ticks_reached", tick: 9 }, ["loop.halted"]],
  [{ kind: "loop_stop", tick: 9 }, ["loop.halted"]],
  // A stop request ends the loop too: the durable log says so, as fmail's loop_stop does.
  [{ kind: "stop_file_seen" }, ["loop.halted"]],
  [{ kind: "signal_stop" }, ["loop.halted"]],
  [
    {
      kind: "tick_done",
      tick: 1,
      merged: [1],
      outcomes: [
        outcome(1, "merged", PR),
        outcome(2, "open", PR),
        outcome(3, "failed"),
        outcome(4, "timeout"),
        outcome(5, "stale"),
        outcome(6, "no_pr"),
        outcome(7, "budget_exceeded"),
        outcome(8, "compensated"),
      ],
    },
    [
      "tick.completed",
      ...["pr.opened", "task.completed", "pr.merged"],
      ...["pr.opened", "task.completed"],
      ...["task.failed", "task.failed", "task.failed", "task.failed", "task.failed"],
      "task.compensated",
    ],
  ],
];

test.each(CASES.map(([r, k]) => [r.kind, r, k] as const))(
  "%s maps to the contract's kinds",
  (_kind, record, kinds) => {
    const events = mapLegacyRecord({ ts: TS, ...record } as unknown as { kind: string });
    expect(events?.map((e) => e.kind)).toEqual(kinds);
  },
);

test("every mapped legacy kind has a case above", () => {
  const covered = new Set(CASES.map(([r]) => r.kind));
  expect(MAPPED_LEGACY_KINDS.filter((k) => !covered.has(k))).toEqual([]);
});

test("kinds nobody maps give null (skipped, not an error)", () => {
  const unmapped: string[] = KNOWN_LEGACY_KINDS.filter((k) => !MAPPED_LEGACY_KINDS.includes(k));
  expect(unmapped.sort()).toEqual(
    [
      "deploy_drift_warn",
      "loop_start",
      "po_start",
      "signal_pause",
      "signal_resume",
      "worker_skip_cooldown",
      "worker_skip_in_flight",
    ].sort(),
  );
  expect(mapLegacyRecord({ kind: "mcp_tool_rate_limited", tool: "x" })).toBeNull();
});

test("payloads keep the legacy fields plus legacy_kind; ids and keys follow the contract", () => {
  const [started, planned] = mapLegacyRecord({
    ts: TS,
    kind: "tick_start",
    tick: 0,
    issues: [167],
  })!;
  expect(started).toMatchObject({
    kind: "tick.started",
    payload: { legacy_kind: "tick_start", ts: TS, tick: 0, issues: [167] },
    taskId: null,
    sagaId: "tick:0",
    occurredAt: TS,
    idempotencyKey: expect.stringMatching(/^eventlog:tick\.started:[0-9a-f]{24}$/),
  });
  expect(planned).toMatchObject({
    kind: "task.planned",
    payload: { legacy_kind: "tick_start", tick: 0, issue: 167, selected: true },
    taskId: "issue:167",
    sagaId: "tick:0",
    idempotencyKey: expect.stringMatching(/^eventlog:task\.planned:[0-9a-f]{24}$/),
  });
  const [done, opened, completed] = mapLegacyRecord({
    ts: TS,
    kind: "tick_done",
    tick: 3,
    merged: [],
    outcomes: [outcome(170, "open", PR)],
  })!;
  expect(done?.payload).toMatchObject({ legacy_kind: "tick_done", tick: 3, merged: [] });
  expect(opened?.payload).toMatchObject({
    legacy_kind: "tick_done",
    tick: 3,
    issue: 170,
    pr_url: PR,
  });
  expect(completed).toMatchObject({
    kind: "task.completed",
    taskId: "issue:170",
    sagaId: "tick:3",
  });
  expect(completed?.payload).toMatchObject({ status: "open", title: "t170", cost_usd: 0.5 });
});

test("keys are a digest of the record's content: identical records collapse, distinct ones never", () => {
  const key = (r: Record<string, unknown>) => mapLegacyRecord(r as { kind: string })![0]!;
  const stuck = { kind: "watchdog_worker_stuck", issue: 1, idle_s: 600 };
  const a = key(stuck);
  expect(a.idempotencyKey).toMatch(/^eventlog:task\.heartbeat:[0-9a-f]{24}$/);
  expect(key({ ...stuck }).idempotencyKey).toBe(a.idempotencyKey!);
  expect(key({ ...stuck, idle_s: 1200 }).idempotencyKey).not.toBe(a.idempotencyKey!);
  // Same second, same kind, same issue, different content: two keys (the old `at=<ts>` gave one).
  const sameSecond = { ...stuck, ts: "2026-05-27T20:30:07+00:00" };
  expect(key(sameSecond).idempotencyKey).not.toBe(
    key({ ...sameSecond, idle_s: 1200 }).idempotencyKey!,
  );
  expect(key(sameSecond).idempotencyKey).not.toBe(a.idempotencyKey!);
  expect(a.occurredAt).toBeNull();
  expect(a.sagaId).toBeNull();
});
