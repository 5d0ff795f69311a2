import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { isEventLogError } from "../../src/errors.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { insertUpstreamRow } from "./upstream-writer.ts";

/** Another writer (forge-loop's chained one) stores `{"cost_usd":Infinity}` with a correct link. */
async function logWithInfinity(): Promise<string> {
  const file = join(tempDir(), "e.db");
  const store = await EventStore.open(file);
  store.append("tick.started", { tick: 1 }, { sagaId: "tick:1" });
  store.close();
  const row = {
    event_id: "f".repeat(32),
    kind: "pr.merged" as const,
    payload_json: '{"cost_usd":Infinity}',
    schema_version: 1,
    occurred_at: "2026-06-02T12:00:00.000000+00:00",
    task_id: "issue:1",
    saga_id: null,
    idempotency_key: null,
  };
  const db = new Database(file);
  insertUpstreamRow(db, "338", row);
  db.close();
  return file;
}

test("a payload no JSON reader can parse is named by its sequence, by readers and by verify", async () => {
  const file = await logWithInfinity();
  const store = await EventStore.open(file, { readonly: true });
  let error: unknown;
  try {
    for (const _ of store.since(0)) {
      // reading on
    }
  } catch (e) {
    error = e;
  }
  expect(isEventLogError(error, "event_unreadable")).toBe(true);
  expect((error as Error).message).toContain(`event 2 in ${file}`);
  // What comes before it is still readable, and reading after it works.
  expect([...store.since(0, { limit: 1 })].map((e) => e.sequence)).toEqual([1]);
  expect([...store.since(2)]).toEqual([]);
  const report = store.verify();
  expect(report).toMatchObject({ ok: false, firstBadSequence: 2 });
  expect(report.problem).toContain("payload_json is not valid JSON");
  store.close();
});
