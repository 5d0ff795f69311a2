import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import type { VerifyReport } from "../../src/store/verify.ts";

const EVENTS = 10;
let dir: string;
let db: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "forge-eventlog-tamper-"));
  db = join(dir, "events.db");
  const store = await EventStore.open(db);
  for (let i = 1; i <= EVENTS; i++) {
    store.append(
      "task.heartbeat",
      { i },
      { taskId: `issue:${i}`, sagaId: "tick:1", idempotencyKey: `hb-${i}` },
    );
  }
  expect(store.verify().ok).toBe(true);
  store.close();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Tampers with the file the way an operator with the sqlite3 shell could. */
function rawSql(...statements: string[]): void {
  const raw = new Database(db);
  try {
    for (const s of statements) raw.run(s);
  } finally {
    raw.close();
  }
}

async function verifyFile(): Promise<VerifyReport> {
  const store = await EventStore.open(db, { readonly: true });
  try {
    const report = store.verify();
    // With the integrity check on a worker thread, the same report.
    expect(await store.verifyConcurrently()).toEqual(report);
    return report;
  } finally {
    store.close();
  }
}

test("an edited payload is reported at its own sequence", async () => {
  rawSql(`UPDATE events SET payload_json = '{"i":500}' WHERE sequence = 5`);
  const report = await verifyFile();
  expect(report.ok).toBe(false);
  expect(report.firstBadSequence).toBe(5);
  expect(report.problem).toContain("edited");
  expect(report.eventsChecked).toBe(EVENTS);
  expect(report.integrity).toEqual(["ok"]);
});

test("an edited field outside the payload is reported too", async () => {
  rawSql(`UPDATE events SET task_id = 'issue:99' WHERE sequence = 8`);
  const report = await verifyFile();
  expect(report.ok).toBe(false);
  expect(report.firstBadSequence).toBe(8);
});

test("an edit whose event_hash was recomputed breaks the next link", async () => {
  const raw = new Database(db);
  try {
    const row = raw.query("SELECT * FROM events WHERE sequence = 4").get() as Record<
      string,
      string | number | null
    >;
    const payload = '{"i":400}';
    const text = JSON.stringify([
      row.prev_hash,
      row.event_id,
      row.kind,
      payload,
      row.schema_version,
      row.occurred_at,
      row.task_id,
      row.saga_id,
      row.idempotency_key,
    ]);
    const hash = createHash("sha256").update(text).digest("hex");
    raw.run("UPDATE events SET payload_json = ?, event_hash = ? WHERE sequence = 4", [
      payload,
      hash,
    ]);
  } finally {
    raw.close();
  }
  const report = await verifyFile();
  expect(report.ok).toBe(false);
  expect(report.firstBadSequence).toBe(5);
  expect(report.problem).toContain("prev_hash");
});

test("a deleted middle row is reported at the sequence after the gap", async () => {
  rawSql("DELETE FROM events WHERE sequence = 6");
  const report = await verifyFile();
  expect(report.ok).toBe(false);
  expect(report.firstBadSequence).toBe(7);
  expect(report.problem).toContain("6");
  expect(report.problem).toContain("missing");
  expect(report.eventsChecked).toBe(EVENTS - 1);
});

test("a deleted row with the later rows renumbered is reported at the gap", async () => {
  rawSql(
    "DELETE FROM events WHERE sequence = 3",
    "UPDATE events SET sequence = sequence - 1 WHERE sequence > 3",
  );
  const report = await verifyFile();
  expect(report.ok).toBe(false);
  expect(report.firstBadSequence).toBe(3);
  expect(report.problem).toContain("prev_hash");
});

test("two swapped rows are reported at the first of them", async () => {
  const columns =
    "event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, causal_event_id, causal_sequence, idempotency_key, prev_hash, event_hash";
  rawSql(
    "CREATE TEMP TABLE swap AS SELECT * FROM events WHERE sequence IN (4, 7)",
    "UPDATE events SET event_id = 'x' || sequence, idempotency_key = 'x' || sequence WHERE sequence IN (4, 7)",
    `UPDATE events SET (${columns}) = (SELECT ${columns} FROM swap WHERE swap.sequence = 11 - events.sequence) WHERE sequence IN (4, 7)`,
  );
  const raw = new Database(db, { readonly: true });
  const moved = raw
    .query("SELECT sequence, payload_json FROM events WHERE sequence IN (4, 7)")
    .all();
  raw.close();
  expect(moved).toEqual([
    { sequence: 4, payload_json: '{"i":7}' },
    { sequence: 7, payload_json: '{"i":4}' },
  ]);
  const report = await verifyFile();
  expect(report.ok).toBe(false);
  expect(report.firstBadSequence).toBe(4);
  expect(report.problem).toContain("prev_hash");
});

test("an untouched log verifies from genesis to the head", async () => {
  const report = await verifyFile();
  expect(report).toEqual({
    ok: true,
    eventsChecked: EVENTS,
    latestSequence: EVENTS,
    firstBadSequence: null,
    problem: null,
    integrity: ["ok"],
    chains: ["prev_hash/event_hash"],
    chainedChecked: EVENTS,
    unchained: 0,
    rules: { utf8: EVENTS, ascii: 0, sorted: 0 },
    compacted: 0,
  });
});
