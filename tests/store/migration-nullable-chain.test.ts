import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/store/migrations.ts";
import { tempDir } from "../helpers.ts";
import { GENESIS, linkedHash, upstreamAppend } from "./upstream-writer.ts";

/**
 * A file as forge-eventlog left it at schema 4: chain columns NOT NULL, 11 rows (with
 * `dropLast`, the last deleted, so the AUTOINCREMENT mark is above the highest sequence).
 */
function schema4File(dropLast = true): string {
  const file = join(tempDir(), "v4.db");
  const db = new Database(file);
  db.exec("PRAGMA journal_mode = WAL");
  for (const m of MIGRATIONS.filter((m) => m.version <= 4)) db.exec(m.sql);
  db.exec("PRAGMA user_version = 4");
  let prev = GENESIS;
  for (let i = 1; i <= 11; i++) {
    const f = {
      event_id: i.toString(16).padStart(32, "a"),
      kind: i % 2 ? "task.heartbeat" : "task.completed",
      payload_json: `{"i":${i}}`,
      schema_version: 1,
      occurred_at: "2026-06-02T12:00:00.000000+00:00",
      task_id: `issue:${i}`,
      saga_id: "tick:1",
      idempotency_key: `k-${i}`,
    };
    const hash = linkedHash(prev, f);
    db.query(
      "INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, idempotency_key, prev_hash, event_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
    ).run(...Object.values(f), prev, hash);
    prev = hash;
  }
  if (dropLast) db.exec("DELETE FROM events WHERE sequence = 11");
  db.exec("INSERT INTO projection_cursors VALUES ('timeline', 6)");
  db.close();
  return file;
}

function inspect(file: string) {
  const db = new Database(file, { readonly: true });
  const out = {
    version: (db.query("PRAGMA user_version").get() as { user_version: number }).user_version,
    notNull: Object.fromEntries(
      (db.query("PRAGMA table_info(events)").all() as { name: string; notnull: number }[]).map(
        (c) => [c.name, c.notnull],
      ),
    ),
    highWater: (
      db.query("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as {
        seq: number;
      }
    ).seq,
    indexes: (
      db
        .query(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((r) => r.name),
    rows: db.query("SELECT * FROM events ORDER BY sequence").all(),
  };
  db.close();
  return out;
}

test("an upstream insert of only the contract columns fails on a schema-4 file (the reported fault)", () => {
  const file = schema4File();
  expect(() =>
    upstreamAppend(file, "oldest", [{ kind: "task.heartbeat", payload: { idle_s: 1 } }]),
  ).toThrow("NOT NULL constraint failed: events.prev_hash");
});

test("migration 6 makes the chain columns nullable and keeps rows, sequences, the AUTOINCREMENT mark, indexes and UNIQUE", async () => {
  const file = schema4File();
  const before = inspect(file);
  expect(before.notNull.prev_hash).toBe(1);
  (await EventStore.open(file)).close();
  const after = inspect(file);
  expect(after.version).toBe(LATEST_SCHEMA_VERSION);
  expect(after.notNull).toEqual({ ...before.notNull, prev_hash: 0, event_hash: 0 });
  expect(after.notNull.event_id).toBe(1);
  expect(after.rows).toEqual(before.rows);
  expect(after.highWater).toBe(11);
  expect(after.indexes).toEqual(before.indexes);
  const db = new Database(file);
  expect(() =>
    db.run(
      "INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, idempotency_key) VALUES ('x', 'tick.started', '{}', 1, 'now', 'k-3')",
    ),
  ).toThrow("UNIQUE constraint failed: events.idempotency_key");
  expect(() =>
    db.run(
      `INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at) VALUES ('${"1".padStart(32, "a")}', 'tick.started', '{}', 1, 'now')`,
    ),
  ).toThrow("UNIQUE constraint failed: events.event_id");
  const plan = db
    .query("EXPLAIN QUERY PLAN SELECT * FROM events WHERE task_id = 'issue:3' ORDER BY sequence")
    .all() as { detail: string }[];
  db.close();
  expect(plan.map((p) => p.detail).join(" ")).toContain("events_task_id");
  // Opening again does nothing more.
  (await EventStore.open(file)).close();
  expect(inspect(file).rows).toEqual(before.rows);
});

test("after migration, upstream writers append, and our next row chains over their unchained rows", async () => {
  const file = schema4File(false);
  const store = await EventStore.open(file);
  const lastChained = store.eventAt(11)?.event_hash;
  upstreamAppend(file, "oldest", [{ kind: "task.heartbeat", payload: { idle_s: 1 } }]);
  upstreamAppend(file, "339", [{ kind: "tick.started", payload: { tick: 2 } }]);
  const rows = [...store.since(11)];
  expect(rows.map((e) => [e.sequence, e.event_hash])).toEqual([
    [12, null],
    [13, null],
  ]);
  const ours = store.append("tick.completed", { tick: 2 }, { sagaId: "tick:2" }).event;
  expect(ours.sequence).toBe(14);
  expect(ours.prev_hash).toBe(lastChained ?? "");
  expect(store.verify()).toMatchObject({
    ok: true,
    chains: ["prev_hash/event_hash", "chain_hash"],
    unchained: 1,
    chainedChecked: 13,
    rules: { utf8: 12, sorted: 1 },
  });
  store.close();
});
