import { EventStore } from "../../src/store/event-store.ts";

/**
 * A small log: two ticks, issues 41 and 42, a cursor "timeline" at 4 and "mirror" at 10.
 * Sequences: 1 tick.started(tick:1) 2 task.planned(41) 3 task.dispatched(41) 4 task.completed(41)
 * 5 tick.completed(tick:1) 6 tick.started(tick:2) 7 task.planned(42) 8 task.failed(42)
 * 9 critique.issued(42) 10 tick.completed(tick:2)
 */
export async function makeDb(path: string): Promise<string> {
  const store = await EventStore.open(path);
  try {
    const at = (n: number) => `2026-06-02T12:00:${String(n).padStart(2, "0")}.123456Z`;
    const tick = (n: number) => ({ sagaId: `tick:${n}` });
    const task = (issue: number, t: number) => ({ taskId: `issue:${issue}`, sagaId: `tick:${t}` });
    store.append("tick.started", { tick: 1 }, { ...tick(1), occurredAt: at(1) });
    store.append(
      "task.planned",
      { issue: 41, title: "Add tail" },
      { ...task(41, 1), occurredAt: at(2) },
    );
    store.append(
      "task.dispatched",
      { issue: 41, worker: "w1" },
      { ...task(41, 1), occurredAt: at(3) },
    );
    store.append(
      "task.completed",
      { issue: 41, pr: 7, note: "üñí" },
      { ...task(41, 1), occurredAt: at(4), idempotencyKey: "done:41" },
    );
    store.append("tick.completed", { tick: 1 }, { ...tick(1), occurredAt: at(5) });
    store.append("tick.started", { tick: 2 }, { ...tick(2), occurredAt: at(6) });
    const planned = store.append(
      "task.planned",
      { issue: 42 },
      { ...task(42, 2), occurredAt: at(7) },
    );
    store.append(
      "task.failed",
      { issue: 42, reason: "tests" },
      {
        ...task(42, 2),
        occurredAt: at(8),
        causalEventId: planned.event.event_id,
        causalSequence: planned.event.sequence,
      },
    );
    store.append(
      "critique.issued",
      { issue: 42, text: "x".repeat(200) },
      { ...task(42, 2), occurredAt: at(9) },
    );
    store.append("tick.completed", { tick: 2 }, { ...tick(2), occurredAt: at(10) });
    store.setCursor("timeline", 4);
    store.setCursor("mirror", 10);
  } finally {
    store.close();
  }
  return path;
}

export async function append(
  path: string,
  kind: string,
  payload: Record<string, unknown>,
  options = {},
) {
  const store = await EventStore.open(path);
  try {
    return store.append(kind, payload, options);
  } finally {
    store.close();
  }
}
