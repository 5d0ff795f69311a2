import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LoopEvent, loopEventSchema } from "../../src/fmail/events.ts";
import { ledgerSummary, tickExitCode } from "../../src/fmail/ledger.ts";
import { derivesEvents, describePools, LoopEventDeriver } from "../../src/fmail/lifecycle.ts";
import {
  FAILURE_HALT_KINDS,
  LOOP_END_KINDS,
  OUTCOME_STATUSES,
  OUTCOME_TERMINAL,
} from "../../src/legacy/vocabulary.ts";

const clock = (iso: string) => () => new Date(iso);

function run(records: unknown[], opts = {}): LoopEvent[] {
  const d = new LoopEventDeriver({ now: clock("2026-06-02T12:00:00Z"), ...opts });
  const events = records.flatMap((r) => d.observe(r));
  for (const e of events) expect(loopEventSchema.safeParse(e).success).toBe(true);
  return events;
}

const names = (events: LoopEvent[]) => events.map((e) => e.event);

describe("LoopEventDeriver", () => {
  test("loop_start takes loop/pool/profile from config, else from the record", () => {
    const rec = {
      ts: "2026-06-02T12:00:00Z",
      kind: "loop_start",
      label: "nightly",
      orchestrator: "claude",
      pools: { critic: 1, worker: 3, po: 1 },
    };
    expect(run([rec])).toEqual([
      { event: "loop_start", loop: "nightly", pool: "po=1,worker=3,critic=1", profile: "claude" },
    ]);
    expect(run([rec], { loop: "coder-1", pool: "main", profile: "opus" })).toEqual([
      { event: "loop_start", loop: "coder-1", pool: "main", profile: "opus" },
    ]);
    expect(run([{ kind: "loop_start", parallel: 2 }])).toEqual([
      { event: "loop_start", loop: "forge-loop", pool: null, profile: null },
    ]);
    expect(describePools({})).toBeNull();
  });

  test("a tick is an iteration: start, then complete with duration, exit code and summary", () => {
    const events = run([
      { ts: "2026-06-02T12:00:00.000Z", kind: "tick_start", tick: 7, issues: [167, 170] },
      { ts: "2026-06-02T12:00:01Z", kind: "worker_started", tick: 7, issue: 167 },
      {
        ts: "2026-06-02T12:00:45.250+00:00",
        kind: "tick_done",
        tick: 7,
        merged: [167],
        outcomes: [
          { issue: 167, status: "merged" },
          { issue: 170, status: "timeout" },
        ],
      },
    ]);
    expect(events).toEqual([
      { event: "iteration_start", loop: "forge-loop", iteration: 7, trigger_msg_id: null },
      {
        event: "iteration_complete",
        loop: "forge-loop",
        iteration: 7,
        exit_code: 1,
        duration_ms: 45250,
        trigger_msg_id: null,
        ledger_summary: "merged #167; failed #170 (timeout)",
      },
    ]);
  });

  test("records without ts use the injected clock", () => {
    let t = Date.parse("2026-06-02T12:00:00Z");
    const d = new LoopEventDeriver({ now: () => new Date(t) });
    d.observe({ kind: "tick_start", tick: 1, issues: [1] });
    t += 1234;
    const [done] = d.observe({
      kind: "tick_done",
      tick: 1,
      outcomes: [{ issue: 1, status: "open" }],
    });
    expect(done).toMatchObject({ duration_ms: 1234, exit_code: 0, ledger_summary: "PR open #1" });
  });

  test("idle and all-skipped ticks are iterations that complete at once with exit 0", () => {
    const events = run([
      { kind: "tick_idle", tick: 1 },
      { kind: "tick_start", tick: 2, issues: [5] },
      { kind: "tick_all_skipped", tick: 2 },
      { kind: "tick_done", tick: 2, outcomes: [] },
      { kind: "loop_stop", tick: 2 },
    ]);
    expect(names(events)).toEqual([
      "iteration_start",
      "iteration_complete",
      "iteration_start",
      "iteration_complete",
      "loop_stop",
    ]);
    expect(events[1]).toMatchObject({
      iteration: 1,
      exit_code: 0,
      duration_ms: 0,
      ledger_summary: "idle: no issues selected",
    });
    expect(events[3]).toMatchObject({
      iteration: 2,
      ledger_summary: "skipped: every selected issue was skipped",
    });
    expect(events[4]).toEqual({
      event: "loop_stop",
      loop: "forge-loop",
      reason: "loop_stop",
      total_iterations: 2,
    });
  });

  test("tick_done without a seen tick_start: no start event, duration null, still counted", () => {
    const events = run([
      { kind: "tick_done", tick: 9, outcomes: [{ issue: 3, status: "merged" }] },
      { kind: "tick_done", tick: 9, outcomes: [{ issue: 3, status: "merged" }] },
      { kind: "max_ticks_reached", tick: 9 },
    ]);
    expect(names(events)).toEqual(["iteration_complete", "loop_stop"]);
    expect(events[0]).toMatchObject({
      duration_ms: null,
      exit_code: 0,
      ledger_summary: "merged #3",
    });
    expect(events[1]).toMatchObject({ reason: "max_ticks_reached", total_iterations: 1 });
  });

  test("stage errors are retried loop errors; drift halts are final and stop the loop", () => {
    const events = run([
      { kind: "loop_start", label: "l" },
      { kind: "stage_error", stage: "worker", slot: 0, issue: 171, err: "exit 2" },
      { kind: "stage_timeout", stage: "critic", slot: 1, issue: 172, timeout_s: 900 },
      { kind: "loop_drift_halt", signature: "same-diff", last_3: [] },
      { kind: "loop_stop" },
    ]);
    expect(events.slice(1)).toEqual([
      {
        event: "loop_error",
        loop: "l",
        error: "worker stage failed on #171: exit 2",
        will_retry: true,
      },
      {
        event: "loop_error",
        loop: "l",
        error: "critic stage timed out on #172 after 900s",
        will_retry: true,
      },
      { event: "loop_error", loop: "l", error: "loop drift halt: same-diff", will_retry: false },
      { event: "loop_stop", loop: "l", reason: "loop_drift_halt", total_iterations: 0 },
    ]);
    const deploy = run([{ kind: "deploy_drift_halt", consecutive_fails: 3 }]);
    expect(deploy[0]).toMatchObject({
      error: "deploy drift halt after 3 consecutive failed deploys",
      will_retry: false,
    });
    expect(deploy[1]).toMatchObject({ event: "loop_stop", reason: "deploy_drift_halt" });
  });

  test("every kind the runner's vocabulary calls a loop end stops the run, named by its kind", () => {
    for (const kind of LOOP_END_KINDS) {
      const events = run([{ kind: "loop_start", label: "l" }, { kind }]);
      const failure = (FAILURE_HALT_KINDS as readonly string[]).includes(kind);
      expect(names(events)).toEqual(
        failure ? ["loop_start", "loop_error", "loop_stop"] : ["loop_start", "loop_stop"],
      );
      if (failure) expect(events[1]).toMatchObject({ will_retry: false });
      expect(events.at(-1)).toEqual({
        event: "loop_stop",
        loop: "l",
        reason: kind,
        total_iterations: 0,
      });
    }
  });

  test("one loop_stop per run; a stop request waits for the tick in flight", () => {
    const events = run([
      { kind: "loop_start" },
      { kind: "tick_start", tick: 1, issues: [1] },
      { kind: "signal_stop" },
      { kind: "tick_done", tick: 1, outcomes: [{ issue: 1, status: "failed" }] },
      { kind: "loop_stop", tick: 1 },
      { kind: "stop_file_seen" },
    ]);
    expect(names(events)).toEqual([
      "loop_start",
      "iteration_start",
      "iteration_complete",
      "loop_stop",
    ]);
    expect(events[3]).toMatchObject({ reason: "signal_stop", total_iterations: 1 });
  });

  test("a new loop_start resets the count; a missing loop_stop is reported as an error", () => {
    const events = run([
      { kind: "loop_start" },
      { kind: "tick_idle", tick: 1 },
      { kind: "loop_start" },
      { kind: "tick_idle", tick: 1 },
      { kind: "loop_stop" },
    ]);
    expect(names(events)).toEqual([
      "loop_start",
      "iteration_start",
      "iteration_complete",
      "loop_error",
      "loop_start",
      "iteration_start",
      "iteration_complete",
      "loop_stop",
    ]);
    expect(events[3]).toMatchObject({ will_retry: true });
    expect(events[7]).toMatchObject({ total_iterations: 1 });
  });

  test("cooldown: until = ts + cooldown_remaining_s, once per cooldown; pause is open-ended", () => {
    const events = run(
      [
        {
          ts: "2026-06-02T12:00:00Z",
          kind: "worker_skip_cooldown",
          issue: 170,
          fingerprint: "ab",
          cooldown_remaining_s: 1800,
        },
        {
          ts: "2026-06-02T12:01:00Z",
          kind: "worker_skip_cooldown",
          issue: 170,
          fingerprint: "ab",
          cooldown_remaining_s: 1740,
        },
        {
          ts: "2026-06-02T12:31:00Z",
          kind: "worker_skip_cooldown",
          issue: 170,
          fingerprint: "ab",
          cooldown_remaining_s: 90.5,
        },
        { kind: "signal_pause" },
        { kind: "signal_pause" },
        { kind: "signal_resume" },
        { kind: "signal_pause" },
      ],
      { profile: "opus" },
    );
    expect(events).toEqual([
      {
        event: "loop_cooldown",
        loop: "forge-loop",
        profile: "opus",
        until: "2026-06-02T12:30:00Z",
        reason: "issue #170 in cooldown (fingerprint ab)",
      },
      {
        event: "loop_cooldown",
        loop: "forge-loop",
        profile: "opus",
        until: "2026-06-02T12:32:30.5Z",
        reason: "issue #170 in cooldown (fingerprint ab)",
      },
      {
        event: "loop_cooldown",
        loop: "forge-loop",
        profile: "opus",
        until: null,
        reason: "signal_pause",
      },
      {
        event: "loop_cooldown",
        loop: "forge-loop",
        profile: "opus",
        until: null,
        reason: "signal_pause",
      },
    ]);
  });

  test("unknown kinds and junk are ignored", () => {
    expect(
      run([
        null,
        42,
        [],
        {},
        { kind: "" },
        {
          ts: "2026-05-27T20:30:07+00:00",
          kind: "mcp_tool_rate_limited",
          tool: "t",
          cap: 1,
          count: 2,
        },
        { kind: "deploy_drift_warn", consecutive_fails: 1 },
        "loop_start",
        { kind: "   " },
        { kind: 7 },
        { kind: ["loop_start"] },
      ]),
    ).toEqual([]);
  });

  test("a kind is read trimmed", () => {
    expect(names(run([{ kind: " loop_start " }, { kind: "loop_stop\n" }]))).toEqual([
      "loop_start",
      "loop_stop",
    ]);
  });
});

describe("ledger summary and exit code", () => {
  test("groups by status in a fixed order, merged[] fills in, failures are exit 1", () => {
    const outcomes = [
      { issue: 170, status: "no_pr" },
      { issue: 171, status: "failed" },
      { issue: 172, status: "compensated" },
      { issue: 173, status: "stale" },
      { issue: 174, status: "budget_exceeded" },
      { issue: 175, status: "weird" },
      { issue: 176, status: "open" },
      { issue: "177", status: "merged" },
      { status: "merged" },
    ];
    expect(ledgerSummary(outcomes, [177, 178])).toBe(
      "merged #177, #?, #178; PR open #176; compensated #172; failed #171; failed #170 (no PR); failed #174 (budget exceeded); failed #173 (stale); weird #175",
    );
    expect(tickExitCode(outcomes)).toBe(1);
    expect(
      tickExitCode([{ status: "merged" }, { status: "open" }, { status: "compensated" }]),
    ).toBe(0);
    expect(ledgerSummary([])).toBe("no outcomes");
    const many = Array.from({ length: 200 }, (_, i) => ({ issue: i, status: "merged" }));
    expect(ledgerSummary(many).length).toBe(300);
    expect(ledgerSummary(many).endsWith("…")).toBe(true);
  });

  test("every outcome status of the runner's vocabulary: exit 1 and a `failed` label when it fails", () => {
    for (const status of OUTCOME_STATUSES) {
      const failed = OUTCOME_TERMINAL[status] === "task.failed";
      expect(tickExitCode([{ issue: 1, status }])).toBe(failed ? 1 : 0);
      expect(ledgerSummary([{ issue: 1, status }]).startsWith("failed #1")).toBe(failed);
    }
  });
});

test("derivesEvents: the records observe acts on, and only those, go to the publisher", () => {
  const session = readFileSync(join(import.meta.dir, "../plugin/golden/demo-session.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  // The events of the whole session are the events of its deriving records alone.
  const all = new LoopEventDeriver({ now: () => new Date(0) });
  const some = new LoopEventDeriver({ now: () => new Date(0) });
  const fromAll = session.flatMap((r) => all.observe(r));
  const fromSome = session.filter(derivesEvents).flatMap((r) => some.observe(r));
  expect(fromSome).toEqual(fromAll);
  expect(fromAll.length).toBeGreaterThan(0);
  const kept = session.filter(derivesEvents).length;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(session.length);
  expect(derivesEvents({ kind: " tick_done " })).toBe(true);
  expect(derivesEvents({ kind: "loop_drift_halt" })).toBe(true);
  expect(derivesEvents({ kind: "worker_start" })).toBe(false);
  expect(derivesEvents("tick_done")).toBe(false);
});
