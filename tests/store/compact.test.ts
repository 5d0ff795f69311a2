import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { isEventLogError } from "../../src/errors.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { CONTRACT_SELECT, upstreamAppend } from "./upstream-writer.ts";

const KINDS = [
  "tick.started",
  "task.dispatched",
  "task.heartbeat",
  "worker.observation",
  "task.heartbeat",
  "task.completed",
];

/** 60 events: 10 ticks of 6, 30 of them noise; cursors 'timeline' at `slowest`, 'mirror' at 55. */
async function log(slowest = 30): Promise<{ store: EventStore; file: string }> {
  const file = join(tempDir(), "events.db");
  const store = await EventStore.open(file);
  for (let t = 1; t <= 10; t++) {
    store.appendBatch(
      KINDS.map((kind, i) => ({
        kind,
        payload: { tick: t, i, worktree: `/home/jos\u00e9/wt-${t}` },
        taskId: `issue:${t}`,
        sagaId: `tick:${t}`,
        idempotencyKey: `${kind}:${t}:${i}`,
      })),
    );
  }
  store.setCursor("timeline", slowest);
  store.setCursor("mirror", 55);
  return { store, file };
}

test("compact drops noise at or below the slowest cursor, keeps everything after it, re-chains, and verify is ok", async () => {
  const { store, file } = await log(30);
  const before = [...store.since(0)];
  const plan = store.planCompaction();
  expect(plan).toEqual({
    slowestCursor: { name: "timeline", sequence: 30 },
    removed: { "task.heartbeat": 10, "worker.observation": 5 },
    removedTotal: 15,
    firstSequence: 3,
    lastSequence: 29,
    rechain: 60 - 2 - 15,
  });
  const result = store.compact();
  expect(result).toMatchObject({ performed: true, markerSequence: 61, removedTotal: 15 });
  const after = [...store.since(0, { verifyChain: true })];
  // Everything after the cursor is kept, unchanged but for its hashes.
  const strip = (e: (typeof before)[number]) => ({ ...e, prev_hash: null, event_hash: null });
  expect(after.filter((e) => e.sequence > 30 && e.sequence <= 60).map(strip)).toEqual(
    before.filter((e) => e.sequence > 30).map(strip),
  );
  // At or below it, only load-bearing kinds remain.
  expect(
    after
      .filter((e) => e.sequence <= 30)
      .every((e) => !["task.heartbeat", "worker.observation"].includes(e.kind)),
  ).toBe(true);
  const marker = after.at(-1)!;
  expect(marker.kind).toBe("compaction.performed");
  expect(marker.payload).toEqual({
    removed: { "task.heartbeat": 10, "worker.observation": 5 },
    removed_total: 15,
    first_sequence: 3,
    last_sequence: 29,
    slowest_cursor: 30,
    rechained_from: 3,
  });
  expect(store.verify()).toMatchObject({ ok: true, compacted: 15, eventsChecked: 46 });
  // A later append chains on; a compaction with nothing new to drop writes nothing.
  store.append("tick.started", { tick: 11 });
  expect(store.compact()).toMatchObject({
    performed: false,
    removedTotal: 0,
    markerSequence: null,
  });
  expect(store.verify().ok).toBe(true);
  store.close();
  // forge-loop's reader (exactly the contract columns) reads the compacted file.
  const d = new Database(file, { readonly: true });
  const rows = d.query(CONTRACT_SELECT).all() as { sequence: number; kind: string }[];
  d.close();
  expect(rows).toHaveLength(47);
  expect(rows.map((r) => r.sequence).slice(0, 4)).toEqual([1, 2, 6, 7]);
});

test("the newest row is never removed, even when it is noise below every cursor", async () => {
  const { store } = await log(30);
  store.append("task.heartbeat", { last: true });
  store.setCursor("timeline", 61);
  store.setCursor("mirror", 61);
  const result = store.compact();
  expect(result.removedTotal).toBe(30);
  expect(store.eventAt(61)?.kind).toBe("task.heartbeat");
  expect(store.verify()).toMatchObject({ ok: true, compacted: 30 });
  store.close();
});

test("no cursor: nothing is known to be consumed, nothing is removed", async () => {
  const file = join(tempDir(), "e.db");
  const store = await EventStore.open(file);
  for (let i = 0; i < 5; i++) store.append("task.heartbeat", { i });
  expect(store.compact()).toMatchObject({ performed: false, slowestCursor: null, removedTotal: 0 });
  expect(store.latestSequence()).toBe(5);
  store.close();
});

test("a chain broken after the first row to drop is refused, and nothing changes (all or nothing)", async () => {
  const { store, file } = await log(30);
  store.close();
  const d = new Database(file);
  d.run(`UPDATE events SET payload_json = '{"tick":99}' WHERE sequence = 40`);
  const snapshot = d.query("SELECT * FROM events ORDER BY sequence").all();
  d.close();
  const again = await EventStore.open(file);
  let caught: unknown;
  try {
    again.compact();
  } catch (e) {
    caught = e;
  }
  expect(isEventLogError(caught, "chain_broken")).toBe(true);
  expect((caught as Error).message).toContain("sequence 40");
  again.close();
  const d2 = new Database(file, { readonly: true });
  expect(d2.query("SELECT * FROM events ORDER BY sequence").all()).toEqual(snapshot);
  d2.close();
});

test("tampering after a compaction is still found", async () => {
  const { store, file } = await log(30);
  store.compact();
  store.close();
  const d = new Database(file);
  d.run("DELETE FROM events WHERE sequence = 42");
  d.close();
  const r = await EventStore.open(file, { readonly: true });
  expect(r.verify()).toMatchObject({ ok: false, firstBadSequence: 43 });
  r.close();
});

test("on a file an upstream chain_hash writer also appended to, both chains are re-chained", async () => {
  const { store, file } = await log(30);
  store.close();
  upstreamAppend(file, "339", [
    { kind: "task.heartbeat", payload: { n: 1 } },
    { kind: "tick.completed", payload: { n: 2 } },
  ]);
  const d = new Database(file);
  d.run("UPDATE projection_cursors SET sequence = 61 WHERE projection_name = 'timeline'");
  d.run("UPDATE projection_cursors SET sequence = 62 WHERE projection_name = 'mirror'");
  d.close();
  const again = await EventStore.open(file);
  expect(again.compact().removedTotal).toBe(31);
  expect(again.verify()).toMatchObject({
    ok: true,
    chains: ["prev_hash/event_hash", "chain_hash"],
    unchained: 0,
    rules: { sorted: 1 },
  });
  again.close();
});
