/**
 * Every append path gives events without an id of their own time-ordered uuid4-shaped ids:
 * 32 lowercase hex characters, version nibble 4, RFC 4122 variant, each next one sorting after
 * the one before (fully random uuid4s would not, and cost inserts a random index page each).
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { orderedEventIds } from "../../src/store/event-ids.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { runSession } from "../plugin/session.ts";

const UUID4_HEX = /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/;

function expectOrderedUuid4s(ids: string[]): void {
  expect(ids.length).toBeGreaterThan(50);
  for (const id of ids) expect(id).toMatch(UUID4_HEX);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
}

function idsInSequenceOrder(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<{ event_id: string }, []>("SELECT event_id FROM events ORDER BY sequence")
      .all()
      .map((r) => r.event_id);
  } finally {
    db.close();
  }
}

test("append and appendBatch give time-ordered uuid4-shaped ids", async () => {
  const path = join(tempDir(), "ids.db");
  const store = await EventStore.open(path);
  try {
    for (let i = 0; i < 100; i++) store.append("task.heartbeat", { i });
    store.appendBatch(
      Array.from({ length: 300 }, (_, i) => ({
        kind: "task.heartbeat" as const,
        payload: { i },
      })),
    );
    for (let i = 0; i < 100; i++) store.append("task.heartbeat", { i });
  } finally {
    store.close();
  }
  const ids = idsInSequenceOrder(path);
  expect(ids.length).toBe(500);
  expectOrderedUuid4s(ids);
});

test("the plugin's durable sink stores time-ordered uuid4-shaped ids", async () => {
  const dir = tempDir();
  await runSession(dir, { jsonl: "e.jsonl", db: "e.db", mirror: true });
  expectOrderedUuid4s(idsInSequenceOrder(join(dir, "e.db")));
});

test("ids carry their millisecond and counter: a clock that stalls or steps back still gives ordered ids", () => {
  const base = 0x18f00000000;
  let call = 0;
  // 5,000 ids in one millisecond (past the 4,096 a counter holds), then +5 ms, then back to +1.
  const next = orderedEventIds(() => {
    call++;
    return call <= 5000 ? base : call === 5001 ? base + 5 : base + 1;
  });
  const ids = Array.from({ length: 5003 }, () => next());
  expectOrderedUuid4s(ids);
  expect(ids[0]?.slice(0, 16)).toBe("018f000000004000");
  expect(ids[4095]?.slice(0, 16)).toBe("018f000000004fff");
  // The 4,097th id of a millisecond borrows the next one.
  expect(ids[4096]?.slice(0, 16)).toBe("018f000000014000");
  expect(ids[5000]?.slice(0, 16)).toBe("018f000000054000");
  // A clock stepping back keeps the last millisecond and counts on.
  expect(ids[5001]?.slice(0, 16)).toBe("018f000000054001");
  expect(ids[5002]?.slice(0, 16)).toBe("018f000000054002");
});
