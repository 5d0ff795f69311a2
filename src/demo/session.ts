import type { RunnerHooks } from "../milestones.ts";

/**
 * A realistic forge-loop session: 4 ticks, 7 issues, every milestone kind the runner emits
 * (plus one kind nobody maps). Drives any RunnerHooks; with a pinned clock it is byte-for-byte
 * repeatable, which the demo, the tests and the benchmark rely on.
 */
const DEMO_START = new Date("2026-06-02T12:00:00.000Z");
const REPO = "https://github.com/acme/forge-loop";
const pr = (n: number) => `${REPO}/pull/${n}`;
const wt = (issue: number) => `/tmp/wt-loop-${issue}`;

/** A clock that moves a few seconds per milestone, deterministically. */
export function demoClock(start = DEMO_START): () => Date {
  let t = start.getTime();
  let step = 0;
  return () => {
    step++;
    t += 1000 + ((step * 7919) % 9000);
    return new Date(t);
  };
}

type Hooks = Required<Omit<RunnerHooks, "close">>;

export async function runDemoSession(hooks: Hooks): Promise<void> {
  const h = hooks;
  await h.onStart({
    kind: "loop_start",
    parallel: 2,
    tick_interval: 60,
    max_ticks: 4,
    label: "coder-1",
    runner_id: "runner-a1",
    host_id: "build-host-3",
    distributed: false,
    queue_backend: "local",
  });

  // Tick 0: three issues selected, two planned; one merges, one times out.
  await h.onTick({ kind: "tick_start", tick: 0, issues: [167, 168, 169] });
  await h.onTick({ kind: "po_start", tick: 0, issues: [167, 168, 169] });
  await h.onTick({
    kind: "po_done",
    tick: 0,
    expanded: [167, 168],
    skipped: [169],
    outcomes: [
      {
        issue: 167,
        skipped: false,
        reason: null,
        sections_added: 3,
        duration_s: 41.5,
        error: null,
      },
      {
        issue: 168,
        skipped: false,
        reason: null,
        sections_added: 2,
        duration_s: 37.25,
        error: null,
      },
      {
        issue: 169,
        skipped: true,
        reason: "needs design",
        sections_added: 0,
        duration_s: 3.5,
        error: null,
      },
    ],
  });
  for (const issue of [167, 168]) {
    await h.onWorker({
      kind: "worker_start",
      tick: 0,
      issue,
      worktree: wt(issue),
      session_id: `s-${issue}-0`,
    });
    await h.onWorker({
      kind: "worker_started",
      tick: 0,
      issue,
      worktree: wt(issue),
      session_id: `s-${issue}-0`,
    });
    await h.onWorker({
      kind: "watchdog_started",
      issue,
      worktree: wt(issue),
      poll_interval_s: 30,
      stuck_after_s: 600,
      kill_after_s: 1800,
    });
  }
  await h.onWorker({ kind: "watchdog_worker_stuck", issue: 168, idle_s: 640, stuck_after_s: 600 });
  await h.onWorker({ kind: "watchdog_worker_stuck", issue: 168, idle_s: 1210, stuck_after_s: 600 });
  await h.onWorker({
    kind: "worker_session_transition",
    session_id: "s-167-0",
    issue: 167,
    prior_state: "running",
    new_state: "awaiting_critic",
    reason: "pr opened",
    pr_url: pr(201),
  });
  await h.onCritic({
    kind: "critic_done",
    issue: 167,
    pr: 201,
    verdict: "approve",
    reasons: ["tests added", "small diff"],
    duration_s: 88.5,
    sev_counts: { sev1: 0, sev2: 0, sev3: 2 },
    parse_retries: 0,
  });
  await h.onCritic({ kind: "critic_verdict_merged", issue: 167, session_id: "s-167-0", pr: 201 });
  await h.onWorker({
    kind: "worker_session_transition",
    session_id: "s-167-0",
    issue: 167,
    prior_state: "awaiting_critic",
    new_state: "merged",
    reason: "critic approved",
    pr_url: pr(201),
  });
  await h.onWorker({
    kind: "stage_timeout",
    stage: "worker",
    slot: 1,
    issue: 168,
    timeout_s: 1800,
  });
  await h.onTick({
    kind: "tick_done",
    tick: 0,
    merged: [167],
    outcomes: [
      outcome(167, "Fix auth token refresh", "merged", pr(201), 512.5, 1.84),
      outcome(168, "Paginate the audit log", "timeout", null, 1800, 3.1, "worker timed out"),
    ],
  });
  await h.onWorktree({ kind: "worktree_reaped", issue: 167, status: "merged", path: wt(167) });
  await h.onWorktree({
    kind: "worktree_preserved",
    issue: 168,
    status: "timeout",
    path: wt(168),
    hint: "kept for inspection",
  });

  // Tick 1: a critic block, a closed issue, a failed worker that is later rescued.
  await h.onTick({ kind: "tick_start", tick: 1, issues: [169, 170] });
  await h.onTick({ kind: "po_done", tick: 1, expanded: [169, 170], skipped: [], outcomes: [] });
  await h.onWorker({
    kind: "worker_iteration_attempt",
    tick: 1,
    issue: 169,
    worktree: wt(169),
    session_id: "s-169-1",
  });
  await h.onWorker({
    kind: "worker_iteration_attempt",
    tick: 1,
    issue: 170,
    worktree: wt(170),
    session_id: "s-170-1",
  });
  await h.onRecord({ kind: "mcp_tool_rate_limited", tool: "github_search", cap: 1, count: 2 });
  await h.onWorker({
    kind: "worker_skip_cooldown",
    issue: 168,
    fingerprint: "fp-168",
    cooldown_remaining_s: 900,
    matched_ts: "2026-06-02T12:20:00.000Z",
  });
  await h.onWorker({
    kind: "worker_session_transition",
    session_id: "s-169-1",
    issue: 169,
    prior_state: "running",
    new_state: "awaiting_critic",
    reason: "pr opened",
    pr_url: pr(202),
  });
  await h.onCritic({
    kind: "critic_done",
    issue: 169,
    pr: 202,
    verdict: "block",
    reasons: ["migration drops a column in use"],
    duration_s: 120.25,
    sev_counts: { sev1: 1, sev2: 1, sev3: 0 },
    parse_retries: 1,
  });
  await h.onCritic({ kind: "critic_verdict_blocked", issue: 169, session_id: "s-169-1", pr: 202 });
  await h.onPr({ kind: "merge_refused_issue_closed", issue: 170, pr: 203, issue_state: "closed" });
  await h.onWorker({
    kind: "stage_error",
    stage: "worker",
    slot: 2,
    issue: 170,
    err: "git push rejected",
  });
  await h.onWorker({
    kind: "stage_error",
    stage: "critic",
    slot: 1,
    issue: 169,
    err: "critic output unparseable",
  });
  await h.onTick({
    kind: "tick_done",
    tick: 1,
    merged: [],
    outcomes: [
      outcome(169, "Drop legacy session table", "open", pr(202), 640, 2.2),
      outcome(170, "Retry flaky upload", "failed", pr(203), 300, 0.9, "git push rejected"),
    ],
  });
  await h.onWorker({
    kind: "worker_work_rescued",
    issue: 170,
    pr: 203,
    hint: "pushed from preserved worktree",
  });
  await h.onHalt({ kind: "signal_pause" });
  await h.onHalt({ kind: "signal_resume" });

  // Tick 2: revising critic, a stale worker, no PR, a budget overrun, a compensation.
  await h.onTick({ kind: "tick_start", tick: 2, issues: [171, 172, 173] });
  await h.onTick({
    kind: "po_done",
    tick: 2,
    expanded: [171, 172, 173],
    skipped: [],
    outcomes: [],
  });
  for (const issue of [171, 172, 173]) {
    await h.onWorker({
      kind: "worker_start",
      tick: 2,
      issue,
      worktree: wt(issue),
      session_id: `s-${issue}-2`,
    });
  }
  await h.onWorker({
    kind: "watchdog_worker_killed",
    issue: 171,
    idle_s: 1850,
    kill_after_s: 1800,
  });
  await h.onWorker({
    kind: "worker_session_transition",
    session_id: "s-172-2",
    issue: 172,
    prior_state: "running",
    new_state: "abandoned",
    reason: "no diff produced",
    pr_url: null,
  });
  await h.onCritic({
    kind: "critic_verdict_revising",
    issue: 169,
    session_id: "s-169-1",
    pr: 202,
    iterations: 2,
    resumed: true,
  });
  await h.onCritic({
    kind: "critic_verdict_unknown",
    issue: 173,
    session_id: "s-173-2",
    pr: null,
    overall: "?",
  });
  await h.onTick({
    kind: "tick_done",
    tick: 2,
    merged: [],
    outcomes: [
      outcome(171, "Speed up CI cache", "stale", null, 1850, 1.2, "worker killed by watchdog"),
      outcome(172, "Tidy README", "no_pr", null, 95, 0.2),
      outcome(173, "Rewrite scheduler", "budget_exceeded", null, 2400, 10.5, "budget exceeded"),
      outcome(169, "Drop legacy session table", "compensated", pr(202), 30, 0.1),
    ],
  });
  await h.onWorktree({ kind: "worktree_reaped", issue: 171, status: "stale", path: wt(171) });
  await h.onWorktree({ kind: "worktree_reaped", issue: 172, status: "no_pr", path: wt(172) });

  // Tick 3: nothing to do; drift is detected and the loop halts.
  await h.onTick({ kind: "tick_all_skipped", tick: 3 });
  await h.onHalt({ kind: "deploy_drift_warn", consecutive_fails: 2 });
  await h.onHalt({ kind: "deploy_drift_halt", consecutive_fails: 3 });
  await h.onHalt({
    kind: "loop_drift_halt",
    signature: "same-failure-x3",
    last_3: ["git push rejected", "git push rejected", "git push rejected"],
  });
  await h.onHalt({ kind: "stop_file_seen" });
  await h.onHalt({ kind: "signal_stop" });
  await h.onHalt({ kind: "max_ticks_reached", tick: 3 });
  await h.onHalt({ kind: "loop_stop", tick: 3 });
}

function outcome(
  issue: number,
  title: string,
  status: string,
  prUrl: string | null,
  durationS: number,
  costUsd: number,
  error: string | null = null,
) {
  return {
    issue,
    title,
    pr_url: prUrl,
    status,
    duration_s: durationS,
    stdout_tail: `… ${status} (“${title}”)`,
    error,
    cost_usd: costUsd,
    usage: {
      input_tokens: Math.round(costUsd * 100000),
      output_tokens: Math.round(costUsd * 9000),
    },
    model: "claude-sonnet",
    budget_usd: 10,
  };
}
