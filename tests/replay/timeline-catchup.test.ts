import { expect, test } from "bun:test";
import { TIMELINE_CURSOR } from "../../src/replay/projection-home.ts";
import { sortedTasks } from "../../src/replay/render-timeline.ts";
import {
  catchUpTimelines,
  currentTimelines,
  loadTimelines,
  replayTimelines,
} from "../../src/replay/timeline-projection.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { goldenLog } from "./golden-log.ts";

/** The stored projection is what a fold from sequence 0 gives. */
function expectStoredIsScratch(store: EventStore): void {
  const stored = loadTimelines(store);
  const scratch = replayTimelines(store);
  expect(sortedTasks(stored)).toEqual(sortedTasks(scratch));
  expect(stored.loop).toEqual(scratch.loop);
}

test("a catch-up that another stored before it redoes its fold from there", async () => {
  const db = await goldenLog();
  const a = await EventStore.open(db);
  const b = await EventStore.open(db);
  // Between A's fold and its store, B catches up the whole log.
  const store = a.transaction.bind(a);
  let raced = false;
  a.transaction = ((fn: () => unknown, doing?: string) => {
    if (!raced) {
      raced = true;
      catchUpTimelines(b, 3);
    }
    return store(fn, doing);
  }) as typeof a.transaction;
  const head = a.latestSequence();
  expect(head).toBeGreaterThan(50);
  // A's first store (after 10 pages of 5) finds B's cursor: it stores nothing and stops.
  expect(catchUpTimelines(a, 5)).toEqual({ applied: 0, cursor: head, caughtUp: true });
  expect(raced).toBe(true);
  expectStoredIsScratch(a);
  a.close();
  b.close();
});

test("a stored task with a list item of the wrong type is damaged: named, or rebuilt", async () => {
  const db = await goldenLog();
  const store = await EventStore.open(db);
  catchUpTimelines(store);
  const task = loadTimelines(store).tasks.get(167)!;
  const loop = store.loadTimelineLoop()!;
  store.transaction(() =>
    store.saveTimelineState([[167, JSON.stringify({ ...task, ticks: [0, 1.5] })]], loop),
  );
  store.close();
  const reader = await EventStore.open(db, { readonly: true });
  expect(() => currentTimelines(reader)).toThrow(/damaged row for issue 167/);
  reader.close();
  const writer = await EventStore.open(db);
  writer.transaction(() =>
    writer.saveTimelineState([[167, JSON.stringify({ ...task, critic_verdicts: [1] })]], loop),
  );
  // The next catch-up reads issue 167's row back to fold a new event into it.
  writer.append("task.heartbeat", { issue: 167 }, { taskId: "issue:167", sagaId: "tick:99" });
  const rebuilt = currentTimelines(writer);
  expect(rebuilt.tasks.get(167)?.critic_verdicts).toEqual(task.critic_verdicts);
  expect(sortedTasks(rebuilt)).toEqual(sortedTasks(replayTimelines(writer)));
  expect(writer.getCursor(TIMELINE_CURSOR)).toBe(writer.latestSequence());
  writer.close();
});

test("a catch-up with a budget stops after that many events; slices of it fold as one call", async () => {
  const db = await goldenLog();
  const sliced = await EventStore.open(db);
  const head = sliced.latestSequence();
  // Pages of 4, the last cut to what is left of the budget.
  const first = catchUpTimelines(sliced, 4, 10);
  expect(first).toEqual({ applied: 10, cursor: 10, caughtUp: false });
  let slices = 1;
  for (let r = first; !r.caughtUp; slices++) {
    r = catchUpTimelines(sliced, 4, 10);
    expect(r.applied).toBeLessThanOrEqual(10);
  }
  expect(slices).toBeGreaterThan(head / 10);
  expect(sliced.getCursor(TIMELINE_CURSOR)).toBe(head);
  expectStoredIsScratch(sliced);
  sliced.close();
});

test("a catch-up that reads a cursor, then a loop another stored after it, keeps that one's work", async () => {
  const db = await goldenLog();
  const a = await EventStore.open(db);
  const b = await EventStore.open(db);
  catchUpTimelines(a, 4, 12);
  // B stores between A's read of the cursor (12) and its read of the loop (B's, at 24).
  const load = a.loadTimelineLoop.bind(a);
  let raced = false;
  a.loadTimelineLoop = () => {
    if (!raced) {
      raced = true;
      catchUpTimelines(b, 4, 12);
    }
    return load();
  };
  const r = catchUpTimelines(a, 4, 12);
  expect(raced).toBe(true);
  // Not rebuilt from 0 over B's store: A went on from 24.
  expect(r).toEqual({ applied: 12, cursor: 36, caughtUp: false });
  catchUpTimelines(a);
  expectStoredIsScratch(a);
  a.close();
  b.close();
});
