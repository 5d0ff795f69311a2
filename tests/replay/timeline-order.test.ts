import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { replayTimelines } from "../../src/replay/timeline-projection.ts";
import type { TaskTimeline } from "../../src/replay/timeline-state.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";

interface Ev {
  name: string;
  kind: string;
  payload: Record<string, unknown>;
  taskId?: string;
  sagaId?: string;
}

const tick = (n: number, kind: "tick.started" | "tick.completed"): Ev => ({
  name: `${kind}:${n}`,
  kind,
  payload: { tick: n },
  sagaId: `tick:${n}`,
});
const task = (name: string, kind: string, issue: number, t?: number): Ev => ({
  name,
  kind,
  payload: { issue },
  taskId: `issue:${issue}`,
  ...(t === undefined ? {} : { sagaId: `tick:${t}` }),
});

// Issue 7 is planned and dispatched in tick 1; its watchdog observations and the critic's
// verdict carry no tick. Issue 8 only ever appears without a tick.
const planned = task("planned", "task.planned", 7, 1);
const dispatched = task("dispatched", "task.dispatched", 7, 1);
const watchdog = task("watchdog", "task.heartbeat", 7);
const critic = {
  ...task("critic", "critique.issued", 7),
  payload: { issue: 7, verdict: "approve" },
};
const orphan = task("orphan", "task.heartbeat", 8);
const done = task("done", "task.completed", 7, 2);

/** As the runner wrote them: the watchdog and critic land inside tick 1. */
const live: Ev[] = [
  tick(1, "tick.started"),
  planned,
  dispatched,
  watchdog,
  critic,
  orphan,
  tick(1, "tick.completed"),
  tick(2, "tick.started"),
  done,
  tick(2, "tick.completed"),
];
/** After a crash and a backfill: the same events, the tick-less ones landing after tick 2 began. */
const backfilled: Ev[] = [
  tick(1, "tick.started"),
  planned,
  dispatched,
  tick(1, "tick.completed"),
  tick(2, "tick.started"),
  watchdog,
  orphan,
  done,
  critic,
  tick(2, "tick.completed"),
];

async function timelinesOf(events: Ev[]) {
  const store = await EventStore.open(join(tempDir(), "events.db"));
  try {
    for (const e of events) {
      store.append(e.kind, e.payload, {
        taskId: e.taskId ?? null,
        sagaId: e.sagaId ?? null,
        occurredAt: "2026-06-02T12:00:00Z",
        idempotencyKey: e.name,
      });
    }
    const t = replayTimelines(store);
    // Where in the log a task starts and ends is a fact of landing order, not of the task.
    const order = ({ first_sequence, last_sequence, ...rest }: TaskTimeline) => rest;
    return {
      tasks: [...t.tasks.values()].sort((a, b) => a.issue - b.issue).map(order),
      loop: { ...t.loop, last_sequence: 0 },
    };
  } finally {
    store.close();
  }
}

describe("timelines do not depend on the order events landed in", () => {
  test("a watchdog or critic event before or after the next tick.started: identical timelines", async () => {
    const a = await timelinesOf(live);
    const b = await timelinesOf(backfilled);
    expect(b).toEqual(a);
    // The task's ticks are those of its own events; a tick-less task has none.
    expect(a.tasks.map((t) => [t.issue, t.ticks])).toEqual([
      [7, [1, 2]],
      [8, []],
    ]);
    expect(a.tasks[0]).toMatchObject({ progress: 1, critic_verdicts: ["approve"], dispatches: 1 });
  });
});

test("an event whose task_id is not issue:<n> still joins its issue through payload.issue", async () => {
  const store = await EventStore.open(join(tempDir(), "e.db"));
  store.append("task.planned", { issue: 7 }, { taskId: "issue:7", sagaId: "tick:1" });
  // Another writer's event: a task_id of its own, the issue only in the payload.
  store.append("task.completed", { issue: 7, status: "merged" }, { taskId: "session-abc" });
  store.append("task.heartbeat", { note: "no issue anywhere" }, { taskId: "session-abc" });
  const t = replayTimelines(store);
  expect([...t.tasks.keys()]).toEqual([7]);
  expect(t.tasks.get(7)).toMatchObject({ planned: true, terminal: "completed", status: "merged" });
  store.close();
});

test("a task's ticks come out ascending and distinct whatever order its events carry them in", async () => {
  const events = [5, 2, 9, 2, 7, 1, 9, 10].map((t, i) => task(`e${i}`, "task.heartbeat", 7, t));
  const { tasks } = await timelinesOf(events);
  expect(tasks.map((t) => t.ticks)).toEqual([[1, 2, 5, 7, 9, 10]]);
});
