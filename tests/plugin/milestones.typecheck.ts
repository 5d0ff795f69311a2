// Checked by `tsc` (npm run check), never run: each @ts-expect-error must be a real type error,
// or tsc fails with "Unused '@ts-expect-error' directive".
import type { loadRunnerPlugins } from "../../src/index.ts";

type Hooks = Awaited<ReturnType<typeof loadRunnerPlugins>>["hooks"];
declare const hooks: Hooks;

// Well-shaped milestones compile.
hooks.onTick({ kind: "tick_start", tick: 7, issues: [167] });
hooks.onTick({ kind: "tick_done", tick: 7, outcomes: [{ issue: 167, status: "merged" }] });
hooks.onWorker({ kind: "worker_started", tick: 7, issue: 167, worktree: "/tmp/wt-167" });
hooks.onWorker({ kind: "watchdog_worker_stuck", issue: 167, idle_s: 30, ts: null });
hooks.onCritic({ kind: "critic_done", issue: 167, pr: 201, verdict: "approve" });
hooks.onHalt({ kind: "loop_stop", tick: 9, ts: "2026-06-02T12:34:56.789Z" });
hooks.onRecord({ kind: "mcp_tool_rate_limited", tool: "tool_e", cap: 1 });
// A newer runner's extra field is allowed.
hooks.onTick({ kind: "tick_start", tick: 7, issues: [167], trigger_msg_id: "m-1" });

// @ts-expect-error an empty object has no kind
hooks.onTick({});
// @ts-expect-error a kind the runner does not have
hooks.onTick({ kind: "not_a_kind", tick: 7 });
// @ts-expect-error tick must be a number
hooks.onTick({ kind: "tick_start", tick: "seven", issues: [167] });
// @ts-expect-error tick_start needs its issues
hooks.onTick({ kind: "tick_start", tick: 7 });
// @ts-expect-error a worker milestone does not go to onTick
hooks.onTick({ kind: "worker_started", tick: 7, issue: 167 });
// @ts-expect-error an outcome needs a status
hooks.onTick({ kind: "tick_done", tick: 7, outcomes: [{ issue: 167 }] });
// @ts-expect-error issue is a number
hooks.onWorker({ kind: "worker_started", issue: "167" });
// @ts-expect-error ts is a string or null
hooks.onHalt({ kind: "loop_stop", ts: 12 });
// @ts-expect-error a string is not a milestone
hooks.onRecord("tick_start");
