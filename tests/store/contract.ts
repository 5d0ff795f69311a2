/**
 * The durable-log contract, written once and run on both drivers: bun:sqlite under Bun
 * (contract.bun.test.ts) and node:sqlite under Deno (tests/store/contract.deno.ts).
 * Only node:assert/strict and node: built-ins, so both runtimes run it unchanged.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson, legacyLine } from "../../src/encoding/python-json.ts";
import { EventLogError } from "../../src/errors.ts";
import { GENESIS_HASH } from "../../src/store/chain.ts";
import type { DriverName } from "../../src/store/driver.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { LATEST_SCHEMA_VERSION } from "../../src/store/migrations.ts";
import type { StoredEvent } from "../../src/store/record.ts";

export type RegisterTest = (name: string, fn: () => void | Promise<void>) => void;

const OCCURRED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const EVENT_ID = /^[0-9a-f]{32}$/;
const CONTRACT_COLUMNS = [
  "sequence",
  "event_id",
  "kind",
  "payload_json",
  "schema_version",
  "occurred_at",
  "task_id",
  "saga_id",
  "causal_event_id",
  "causal_sequence",
  "idempotency_key",
];

/**
 * Python's json.dumps(..., separators=(",", ":"), ensure_ascii=False) for the chain's hash
 * input, written apart from src: strings keep their non-ASCII characters (only `"`, `\\` and
 * control characters are escaped, as JSON.stringify does).
 */
function pythonCompactArray(values: readonly (string | number | null)[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(",")}]`;
}

function expectedHash(prevHash: string, e: StoredEvent): string {
  const text = pythonCompactArray([
    prevHash,
    e.event_id,
    e.kind,
    e.payload_json,
    e.schema_version,
    e.occurred_at,
    e.task_id,
    e.saga_id,
    e.idempotency_key,
  ]);
  return createHash("sha256").update(text).digest("hex");
}

function all(store: EventStore, after = 0): StoredEvent[] {
  return [...store.since(after)];
}

function assertCode(fn: () => unknown, code: string, mentions?: string): EventLogError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EventLogError, `expected EventLogError ${code}, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  if (mentions !== undefined) assert.ok(caught.message.includes(mentions), caught.message);
  return caught;
}

export function storeContractSuite(test: RegisterTest, driver: DriverName): void {
  async function openFresh(): Promise<{ store: EventStore; file: string; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), "forge-eventlog-contract-"));
    const file = join(dir, "events.db");
    return { store: await EventStore.open(file, { driver }), file, dir };
  }

  /** Runs `fn` on a fresh store in its own temp dir, then closes it and removes the dir. */
  function storeTest(name: string, fn: (store: EventStore, file: string) => void | Promise<void>) {
    test(`[${driver}] ${name}`, async () => {
      const { store, file, dir } = await openFresh();
      try {
        await fn(store, file);
      } finally {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  storeTest("opens with the chosen driver, WAL, schema version and contract columns", (store) => {
    assert.equal(store.runtime, driver);
    const version = store.statement("PRAGMA user_version").get<{ user_version: number }>();
    assert.equal(Number(version?.user_version), LATEST_SCHEMA_VERSION);
    assert.ok(LATEST_SCHEMA_VERSION >= 1);
    const mode = store.statement("PRAGMA journal_mode").get<{ journal_mode: string }>();
    assert.equal(mode?.journal_mode, "wal");
    const columns = store
      .statement("PRAGMA table_info(events)")
      .all<{ name: string }>()
      .map((c) => c.name);
    for (const c of CONTRACT_COLUMNS) assert.ok(columns.includes(c), `events lacks ${c}`);
    const cursorColumns = store
      .statement("PRAGMA table_info(projection_cursors)")
      .all<{ name: string }>()
      .map((c) => c.name);
    assert.deepEqual(cursorColumns, ["projection_name", "sequence"]);
  });

  storeTest("append stores an event with the contract's field formats", (store) => {
    assert.equal(store.latestSequence(), 0);
    const r = store.append(
      "tick.started",
      { tick: 7, issues: [167] },
      {
        taskId: "issue:167",
        sagaId: "tick:7",
        idempotencyKey: "tick:7:started",
        causalEventId: "ab".repeat(16),
        causalSequence: 3,
        occurredAt: "2026-06-02T12:34:56.789Z",
      },
    );
    assert.equal(r.outcome, "appended");
    const e = r.event;
    assert.equal(e.sequence, 1);
    assert.match(e.event_id, EVENT_ID);
    assert.equal(e.kind, "tick.started");
    assert.equal(e.payload_json, '{"issues":[167],"tick":7}');
    assert.deepEqual(e.payload, { tick: 7, issues: [167] });
    assert.equal(e.schema_version, 1);
    assert.equal(e.occurred_at, "2026-06-02T12:34:56.789000+00:00");
    assert.equal(e.task_id, "issue:167");
    assert.equal(e.saga_id, "tick:7");
    assert.equal(e.causal_event_id, "ab".repeat(16));
    assert.equal(e.causal_sequence, 3);
    assert.equal(e.idempotency_key, "tick:7:started");
    assert.equal(e.prev_hash, GENESIS_HASH);
    assert.equal(store.latestSequence(), 1);
    assert.deepEqual(store.eventAt(1), e);
    assert.deepEqual(store.eventByKey("tick:7:started"), e);
    assert.equal(store.eventAt(2), undefined);
    assert.equal(store.eventByKey("nope"), undefined);
    const other = store.append("tick.completed", { tick: 7 });
    assert.equal(other.event.sequence, 2);
    assert.equal(other.event.idempotency_key, null);
    assert.equal(other.event.task_id, null);
    assert.notEqual(other.event.event_id, e.event_id);
  });

  storeTest("a given event_id is kept; a malformed one is refused", (store) => {
    const id = "0123456789abcdef0123456789abcdef";
    assert.equal(store.append("pr.opened", {}, { eventId: id }).event.event_id, id);
    assertCode(() => store.append("pr.opened", {}, { eventId: "XYZ" }), "invalid_event");
    assertCode(() => store.append("pr.opened", {}, { eventId: id.toUpperCase() }), "invalid_event");
    assert.equal(store.latestSequence(), 1);
  });

  storeTest("a duplicate idempotency key returns the original and writes nothing", (store) => {
    const first = store.append("task.planned", { issue: 5 }, { idempotencyKey: "k1" });
    const again = store.append(
      "task.planned",
      { issue: 5 },
      { idempotencyKey: "k1", occurredAt: "2030-01-01T00:00:00Z" },
    );
    assert.equal(again.outcome, "duplicate");
    assert.deepEqual(again.event, first.event);
    assert.equal(store.latestSequence(), 1);
    assert.equal(all(store).length, 1);
  });

  storeTest(
    "a conflicting idempotency key returns the original and overwrites nothing",
    (store) => {
      const first = store.append(
        "task.planned",
        { issue: 5 },
        { idempotencyKey: "k1", taskId: "issue:5" },
      );
      const otherPayload = store.append(
        "task.planned",
        { issue: 6 },
        { idempotencyKey: "k1", taskId: "issue:5" },
      );
      assert.equal(otherPayload.outcome, "conflict");
      assert.deepEqual(otherPayload.event, first.event);
      const otherKind = store.append(
        "task.failed",
        { issue: 5 },
        { idempotencyKey: "k1", taskId: "issue:5" },
      );
      assert.equal(otherKind.outcome, "conflict");
      const otherTask = store.append(
        "task.planned",
        { issue: 5 },
        { idempotencyKey: "k1", taskId: "issue:6" },
      );
      assert.equal(otherTask.outcome, "conflict");
      assert.equal(store.latestSequence(), 1);
      assert.deepEqual(store.eventAt(1), first.event);
    },
  );

  storeTest("appendBatch stores a batch in order, a key repeated inside it once", (store) => {
    store.append("tick.started", { tick: 1 });
    const results = store.appendBatch([
      { kind: "task.planned", payload: { issue: 1 }, idempotencyKey: "p1" },
      { kind: "task.planned", payload: { issue: 2 }, idempotencyKey: "p2" },
      { kind: "task.planned", payload: { issue: 1 }, idempotencyKey: "p1" },
      { kind: "task.planned", payload: { issue: 9 }, idempotencyKey: "p2" },
      { kind: "tick.completed", payload: { tick: 1 } },
    ]);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ["appended", "appended", "duplicate", "conflict", "appended"],
    );
    assert.deepEqual(
      results.map((r) => r.event.sequence),
      [2, 3, 2, 3, 4],
    );
    assert.deepEqual(results[2]?.event, results[0]?.event);
    assert.deepEqual(results[3]?.event, results[1]?.event);
    const stored = all(store);
    assert.deepEqual(
      stored.map((e) => e.sequence),
      [1, 2, 3, 4],
    );
    for (let i = 1; i < stored.length; i++) {
      assert.equal(stored[i]?.prev_hash, stored[i - 1]?.event_hash);
    }
    assert.deepEqual(store.appendBatch([]), []);
    assert.equal(store.verify().ok, true);
  });

  storeTest("appendBatch is one transaction: a failing event keeps none of the batch", (store) => {
    const existing = store.append("tick.started", { tick: 1 });
    assert.throws(() =>
      store.appendBatch([
        { kind: "task.planned", payload: { issue: 1 }, idempotencyKey: "b1" },
        { kind: "task.planned", payload: { issue: 2 }, eventId: existing.event.event_id },
      ]),
    );
    assertCode(
      () =>
        store.appendBatch([
          { kind: "task.planned", payload: { issue: 3 } },
          { kind: "task.exploded", payload: {} },
        ]),
      "unknown_kind",
    );
    assert.equal(store.latestSequence(), 1);
    assert.equal(store.eventByKey("b1"), undefined);
    const after = store.append("task.planned", { issue: 1 }, { idempotencyKey: "b1" });
    assert.equal(after.outcome, "appended");
    assert.equal(after.event.sequence, 2);
    assert.equal(store.verify().ok, true);
  });

  storeTest("since streams events in sequence order, after a sequence, with filters", (store) => {
    const plan: [string, string | undefined, string | undefined][] = [
      ["tick.started", undefined, "tick:1"],
      ["task.planned", "issue:1", "tick:1"],
      ["task.planned", "issue:2", "tick:1"],
      ["task.dispatched", "issue:1", "tick:1"],
      ["pr.opened", "issue:1", "tick:1"],
      ["tick.completed", undefined, "tick:1"],
      ["tick.started", undefined, "tick:2"],
      ["task.dispatched", "issue:2", "tick:2"],
      ["task.failed", "issue:2", "tick:2"],
      ["tick.completed", undefined, "tick:2"],
    ];
    for (const [i, [kind, taskId, sagaId]] of plan.entries()) {
      store.append(kind, { i }, { taskId, sagaId });
    }
    const seqs = (events: Iterable<StoredEvent>) => [...events].map((e) => e.sequence);
    assert.deepEqual(seqs(store.since()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(seqs(store.since(0)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(seqs(store.since(6)), [7, 8, 9, 10]);
    assert.deepEqual(seqs(store.since(10)), []);
    assert.deepEqual(seqs(store.since(99)), []);
    assert.deepEqual(seqs(store.since(0, { kinds: ["tick.started"] })), [1, 7]);
    assert.deepEqual(seqs(store.since(0, { kinds: ["task.planned", "task.failed"] })), [2, 3, 9]);
    assert.deepEqual(seqs(store.since(0, { kinds: [] })), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(seqs(store.since(0, { taskId: "issue:2" })), [3, 8, 9]);
    assert.deepEqual(seqs(store.since(0, { sagaId: "tick:2" })), [7, 8, 9, 10]);
    assert.deepEqual(seqs(store.since(3, { taskId: "issue:1", sagaId: "tick:1" })), [4, 5]);
    assert.deepEqual(seqs(store.since(0, { kinds: ["task.dispatched"], taskId: "issue:2" })), [8]);
    assert.deepEqual(seqs(store.since(0, { limit: 3 })), [1, 2, 3]);
    assert.deepEqual(seqs(store.since(5, { limit: 2, kinds: ["tick.completed"] })), [6, 10]);
    assert.deepEqual(seqs(store.since(0, { limit: 0 })), []);
    assert.deepEqual(seqs(store.since(0, { taskId: "issue:404" })), []);
    assert.deepEqual(
      [...store.since(8)].map((e) => e.payload),
      [{ i: 8 }, { i: 9 }],
    );
  });

  storeTest("since pages through more events than one page holds", (store) => {
    const total = 2_600;
    for (let start = 0; start < total; start += 1_000) {
      const n = Math.min(1_000, total - start);
      store.appendBatch(
        Array.from({ length: n }, (_, k) => ({
          kind: k % 2 === 0 ? "task.heartbeat" : "worker.observation",
          payload: { n: start + k },
        })),
      );
    }
    const seqs = all(store).map((e) => e.sequence);
    assert.equal(seqs.length, total);
    assert.ok(seqs.every((s, i) => s === i + 1));
    const small = [...store.since(0, { pageSize: 7 })].map((e) => e.sequence);
    assert.deepEqual(small, seqs);
    const limited = [...store.since(100, { pageSize: 3, limit: 10 })].map((e) => e.sequence);
    assert.deepEqual(limited, [101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    const filtered = [...store.since(0, { kinds: ["worker.observation"], pageSize: 50 })];
    assert.equal(filtered.length, total / 2);
    assert.ok(filtered.every((e, i) => e.sequence === 2 * (i + 1)));
  });

  storeTest("latestSequence follows appends", (store) => {
    assert.equal(store.latestSequence(), 0);
    store.append("tick.started", { tick: 1 });
    assert.equal(store.latestSequence(), 1);
    store.appendBatch([
      { kind: "task.planned", payload: {} },
      { kind: "task.planned", payload: {} },
    ]);
    assert.equal(store.latestSequence(), 3);
    store.append("task.planned", {}, { idempotencyKey: "x" });
    store.append("task.planned", {}, { idempotencyKey: "x" });
    assert.equal(store.latestSequence(), 4);
  });

  storeTest("cursors: missing is 0, forward only, never past the head", (store) => {
    assert.equal(store.getCursor("projection-a"), 0);
    assert.deepEqual(store.listCursors(), []);
    for (let i = 0; i < 5; i++) store.append("task.heartbeat", { i });
    store.advanceCursor("projection-a", 3);
    assert.equal(store.getCursor("projection-a"), 3);
    store.advanceCursor("projection-a", 3);
    assert.equal(store.getCursor("projection-a"), 3);
    assertCode(() => store.advanceCursor("projection-a", 2), "cursor_backwards", "projection-a");
    assertCode(() => store.setCursor("projection-a", 0), "cursor_backwards");
    assert.equal(store.getCursor("projection-a"), 3);
    assertCode(() => store.advanceCursor("projection-a", 6), "cursor_ahead", "projection-a");
    assertCode(() => store.advanceCursor("projection-b", 6), "cursor_ahead");
    assert.equal(store.getCursor("projection-a"), 3);
    assert.equal(store.getCursor("projection-b"), 0);
    store.advanceCursor("projection-a", 5);
    assert.equal(store.getCursor("projection-a"), 5);
    store.setCursor("projection-a", 1, { rewind: true });
    assert.equal(store.getCursor("projection-a"), 1);
    assertCode(() => store.setCursor("projection-a", 9, { rewind: true }), "cursor_ahead");
    assertCode(() => store.setCursor("projection-a", -1), "cursor_invalid");
    assertCode(() => store.setCursor("projection-a", 1.5), "cursor_invalid");
    assertCode(() => store.setCursor("", 1), "cursor_invalid");
    store.setCursor("projection-b", 0);
    assert.equal(store.getCursor("projection-b"), 0);
    store.advanceCursor("projection-c", 5);
    assert.deepEqual(store.listCursors(), [
      { name: "projection-a", sequence: 1, lag: 4 },
      { name: "projection-b", sequence: 0, lag: 5 },
      { name: "projection-c", sequence: 5, lag: 0 },
    ]);
    store.append("task.heartbeat", { i: 5 });
    assert.deepEqual(
      store.listCursors().map((c) => c.lag),
      [5, 6, 1],
    );
    assert.equal(store.deleteCursor("projection-a"), true);
    assert.equal(store.deleteCursor("projection-a"), false);
    assert.equal(store.getCursor("projection-a"), 0);
  });

  storeTest("transaction: a throw inside keeps nothing, a return keeps everything", (store) => {
    store.append("tick.started", { tick: 1 });
    store.advanceCursor("proj", 1);
    store.exec("CREATE TABLE proj_state (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
    const boom = new Error("projection failed");
    assert.throws(
      () =>
        store.transaction(() => {
          store.append("task.planned", { issue: 1 }, { idempotencyKey: "t1" });
          store.appendBatch([{ kind: "task.planned", payload: { issue: 2 } }]);
          store.statement("INSERT INTO proj_state (k, v) VALUES (?, ?)").run("a", 1);
          store.advanceCursor("proj", 3);
          throw boom;
        }),
      (e) => e === boom,
    );
    assert.equal(store.latestSequence(), 1);
    assert.equal(store.getCursor("proj"), 1);
    assert.equal(store.eventByKey("t1"), undefined);
    assert.equal(store.statement("SELECT COUNT(*) AS n FROM proj_state").get()?.n, 0);
    const kept = store.transaction(() => {
      const r = store.append("task.planned", { issue: 1 }, { idempotencyKey: "t1" });
      store.statement("INSERT INTO proj_state (k, v) VALUES (?, ?)").run("a", 1);
      store.advanceCursor("proj", r.event.sequence);
      return r.event.sequence;
    });
    assert.equal(kept, 2);
    assert.equal(store.getCursor("proj"), 2);
    assert.equal(store.statement("SELECT COUNT(*) AS n FROM proj_state").get()?.n, 1);
    assert.equal(store.verify().ok, true);
  });

  test(`[${driver}] reopening keeps events and cursors, and the chain verifies`, async () => {
    const { store, file, dir } = await openFresh();
    try {
      for (let i = 0; i < 20; i++) {
        store.append("task.heartbeat", { i, note: "é" }, { idempotencyKey: `hb-${i}` });
      }
      store.advanceCursor("proj", 12);
      const before = all(store);
      store.close();
      store.close();

      const reopened = await EventStore.open(file, { driver });
      try {
        assert.deepEqual(all(reopened), before);
        assert.equal(reopened.getCursor("proj"), 12);
        const r = reopened.append(
          "task.heartbeat",
          { i: 0, note: "é" },
          { idempotencyKey: "hb-0" },
        );
        assert.equal(r.outcome, "duplicate");
        const next = reopened.append("task.heartbeat", { i: 20 });
        assert.equal(next.event.sequence, 21);
        assert.equal(next.event.prev_hash, before.at(-1)?.event_hash);
        const report = reopened.verify();
        assert.deepEqual(
          {
            ok: report.ok,
            eventsChecked: report.eventsChecked,
            latestSequence: report.latestSequence,
            firstBadSequence: report.firstBadSequence,
            problem: report.problem,
            integrity: report.integrity,
          },
          {
            ok: true,
            eventsChecked: 21,
            latestSequence: 21,
            firstBadSequence: null,
            problem: null,
            integrity: ["ok"],
          },
        );
      } finally {
        reopened.close();
      }
      const readonly = await EventStore.open(file, { driver, readonly: true });
      try {
        assert.equal(readonly.latestSequence(), 21);
        assert.equal(readonly.verify().ok, true);
      } finally {
        readonly.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  storeTest(
    "an unknown event kind is refused, naming it and the file; nothing is written",
    (store, file) => {
      store.append("tick.started", { tick: 1 });
      const e = assertCode(
        () => store.append("mcp_tool_rate_limited", { tool: "x" }),
        "unknown_kind",
        "mcp_tool_rate_limited",
      );
      assert.ok(e.message.includes(file), e.message);
      assertCode(
        () =>
          store.appendBatch([
            { kind: "tick.started", payload: {} },
            { kind: "nope", payload: {} },
          ]),
        "unknown_kind",
        file,
      );
      assertCode(() => store.append("", {}), "unknown_kind");
      assertCode(() => store.append("TICK.STARTED", {}), "unknown_kind");
      assert.equal(store.latestSequence(), 1);
    },
  );

  storeTest("occurred_at is ISO-8601 UTC with microseconds, from any accepted input", (store) => {
    const at = (occurredAt?: string | Date) =>
      store.append("task.heartbeat", {}, { occurredAt }).event.occurred_at;
    assert.equal(at("2026-06-02T12:34:56.789Z"), "2026-06-02T12:34:56.789000+00:00");
    assert.equal(at("2026-05-27T20:30:07+00:00"), "2026-05-27T20:30:07.000000+00:00");
    assert.equal(at("2026-06-02T12:34:56.789000+00:00"), "2026-06-02T12:34:56.789000+00:00");
    assert.equal(at("2026-06-02T12:34:56.123456Z"), "2026-06-02T12:34:56.123456+00:00");
    assert.equal(at("2026-06-02T14:34:56.5+02:00"), "2026-06-02T12:34:56.500000+00:00");
    assert.equal(at("2026-06-02T12:34:56"), "2026-06-02T12:34:56.000000+00:00");
    assert.equal(
      at(new Date(Date.UTC(2026, 5, 2, 12, 34, 56, 789))),
      "2026-06-02T12:34:56.789000+00:00",
    );
    const before = Date.now();
    const now = at();
    const after = Date.now();
    assert.match(now, OCCURRED_AT);
    const parsed = Date.parse(now.replace(/(\.\d{3})\d{3}/, "$1"));
    assert.ok(parsed >= before && parsed <= after, `${now} is not the time of the append`);
    assertCode(() => at("yesterday"), "invalid_event", "yesterday");
    assertCode(() => at("2026-13-45T99:00:00Z"), "invalid_event");
    assertCode(() => at("2026-02-30T12:00:00Z"), "invalid_event");
    assertCode(() => at("2026-06-02T24:00:00+00:00"), "invalid_event");
    assert.equal(store.latestSequence(), 8);
  });

  storeTest("payload_json is Python's sorted, compact, ASCII-escaped JSON", (store) => {
    const payload = {
      zeta: 1,
      alpha: { b: [1, "x", null, true], a: 0.5 },
      "\u00e9": "\u00fc \u{1f600} \u6f22",
      B: "tab\there",
    };
    const e = store.append("worker.observation", payload).event;
    assert.equal(
      e.payload_json,
      '{"B":"tab\\there","alpha":{"a":0.5,"b":[1,"x",null,true]},"zeta":1,"\\u00e9":"\\u00fc \\ud83d\\ude00 \\u6f22"}',
    );
    assert.deepEqual(store.eventAt(e.sequence)?.payload, payload);
    assert.equal(store.append("worker.observation", {}).event.payload_json, "{}");
  });

  storeTest("event hashes equal an independent sha256 over the chain fields", (store) => {
    const events = [
      store.append("tick.started", { tick: 1 }).event,
      store.append(
        "task.planned",
        { issue: 3, title: "r\u00e9sum\u00e9" },
        { taskId: "issue:3", sagaId: "tick:1", idempotencyKey: "plan:3" },
      ).event,
      ...store
        .appendBatch([
          { kind: "pr.opened", payload: { pr: 12 }, taskId: "issue:3" },
          { kind: "loop.halted", payload: { reason: "loop_stop" }, sagaId: "tick:1" },
        ])
        .map((r) => r.event),
    ];
    let prev = GENESIS_HASH;
    for (const e of events) {
      assert.equal(e.prev_hash, prev, `prev_hash of ${e.sequence}`);
      assert.equal(e.event_hash, expectedHash(prev, e), `event_hash of ${e.sequence}`);
      assert.match(e.event_hash, /^[0-9a-f]{64}$/);
      prev = e.event_hash;
    }
    assert.deepEqual(all(store), events);
  });

  storeTest("event hash known answer (computed with Python's hashlib and json)", (store) => {
    const e = store.append(
      "tick.started",
      { tick: 1 },
      {
        eventId: "ab".repeat(16),
        occurredAt: "2026-06-02T12:34:56.789Z",
        taskId: "issue:7",
        idempotencyKey: "k-1",
      },
    ).event;
    // sha256(json.dumps(["0"*64, "ab"*16, "tick.started", '{"tick":1}', 1,
    //   "2026-06-02T12:34:56.789000+00:00", "issue:7", None, "k-1"], separators=(",", ":")))
    assert.equal(e.event_hash, "507a953b88f80259f5b8214daf48987652048943c73680c5c0ca4ce41e25cbcc");
    assert.equal(e.prev_hash, "0".repeat(64));
  });

  storeTest(
    "a row with only the contract columns (an upstream writer without our chain) is stored; the next append chains over it",
    (store) => {
      const first = store.append("tick.started", { tick: 1 }).event;
      store.exec(
        `INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at) VALUES ('${"9".repeat(32)}', 'task.heartbeat', '{}', 1, '2026-06-02T12:00:00.000000+00:00')`,
      );
      const next = store.append("tick.completed", { tick: 1 }).event;
      assert.equal(next.sequence, 3);
      assert.equal(next.prev_hash, first.event_hash);
      assert.equal(store.eventAt(2)?.event_hash, null);
      const report = store.verify();
      assert.equal(report.ok, true, report.problem ?? "");
      assert.equal(report.unchained, 1);
      assert.equal(report.chainedChecked, 2);
    },
  );

  storeTest(
    "since(after, { verifyChain }) refuses the first row whose hash or link breaks, from the row before `after` on",
    (store) => {
      for (let i = 1; i <= 8; i++) {
        store.append(i % 2 ? "task.heartbeat" : "tick.started", { i }, { taskId: `issue:${i}` });
      }
      const kinds = (after: number, filter = {}) =>
        [...store.since(after, { ...filter, verifyChain: true })].map((e) => e.sequence);
      assert.deepEqual(kinds(0), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(kinds(3, { kinds: ["tick.started"] }), [4, 6, 8]);
      // Row 6 edited: a read that includes it stops before yielding it. A read after it trusts
      // row 6 as the link (its stored hash), like a cursor-based reader.
      store.exec(`UPDATE events SET payload_json = '{"i":60}' WHERE sequence = 6`);
      const seen: number[] = [];
      const e = assertCode(
        () => {
          for (const ev of store.since(2, { verifyChain: true, kinds: ["tick.started"] })) {
            seen.push(ev.sequence);
          }
        },
        "chain_broken",
        "sequence 6",
      );
      assert.ok(e.message.includes("row edited"), e.message);
      assert.deepEqual(seen, [4]);
      assertCode(() => kinds(5), "chain_broken", "sequence 6");
      assert.deepEqual(kinds(6), [7, 8]);
      // Without the option nothing is checked.
      assert.equal([...store.since(0)].length, 8);
      // Row 3 deleted (no re-chaining): row 4's link breaks.
      store.exec("DELETE FROM events WHERE sequence = 3");
      assertCode(() => kinds(1), "chain_broken", "sequence 4");
    },
  );

  storeTest(
    "event hash known answer with non-ASCII: UTF-8 hashed as is (ensure_ascii=False)",
    (store) => {
      const e = store.append(
        "task.dispatched",
        { worktree: "/home/jos\u00e9/wt" },
        {
          eventId: "cd".repeat(16),
          occurredAt: "2026-06-02T12:34:56.789Z",
          taskId: "issue:7",
          sagaId: "tick:3",
          idempotencyKey:
            "legacy-runner:task.dispatched:worker_started:tick=3:issue=7:worker=/home/jos\u00e9/wt:pr=",
        },
      ).event;
      // payload_json stays ASCII-escaped (the contract's format); the hash input does not:
      // sha256(json.dumps(["0"*64, "cd"*16, "task.dispatched", '{"worktree":"/home/jos\\u00e9/wt"}',
      //   1, "2026-06-02T12:34:56.789000+00:00", "issue:7", "tick:3", "legacy-runner:...jos\u00e9/wt:pr="],
      //   separators=(",", ":"), ensure_ascii=False).encode()) -- the escaped form gives 57b54d6f...
      assert.equal(e.payload_json, '{"worktree":"/home/jos\\u00e9/wt"}');
      assert.equal(
        e.event_hash,
        "9c87aaa60b800557d449f7ca687b5da4025e9594ae7f532bf829906eb5e0ec98",
      );
      assert.equal(store.verify().rules.utf8, 1);
    },
  );

  // Expected strings below were produced by CPython's json.dumps; see the comment on each.
  test(`[${driver}] canonicalJson matches json.dumps(v, sort_keys=True, separators=(",", ":"))`, () => {
    assert.equal(
      canonicalJson({ b: 1, a: [1, 2, { d: null, c: true }], z: false }),
      '{"a":[1,2,{"c":true,"d":null}],"b":1,"z":false}',
    );
    assert.equal(
      canonicalJson({ "\u00e9": "\u00fc", emoji: "\u{1f600}", cjk: "\u6f22\u5b57", del: "\x7f" }),
      '{"cjk":"\\u6f22\\u5b57","del":"\\u007f","emoji":"\\ud83d\\ude00","\\u00e9":"\\u00fc"}',
    );
    assert.equal(
      canonicalJson({ ctl: "\n\t\r\b\f\x01\x1f", quote: '"\\/' }),
      '{"ctl":"\\n\\t\\r\\b\\f\\u0001\\u001f","quote":"\\"\\\\/"}',
    );
    // Python sorts by code point: U+FFFF before U+1F600 (UTF-16 order would swap them).
    assert.equal(
      canonicalJson({ b: 0, B: 0, a: 0, "\u00e9": 0, "\uffff": 0, "\u{1f600}": 0, "": 0 }),
      '{"":0,"B":0,"a":0,"b":0,"\\u00e9":0,"\\uffff":0,"\\ud83d\\ude00":0}',
    );
    assert.equal(
      canonicalJson([0.1, 1e-5, 0.0001, 1.5e16, 1e16, 123456789.123, -0, 1e22, 2.5, -3.75e-7]),
      "[0.1,1e-05,0.0001,1.5e+16,1e+16,123456789.123,-0.0,1e+22,2.5,-3.75e-07]",
    );
    assert.equal(canonicalJson([1e15 + 0.5]), "[1000000000000000.5]");
    assert.equal(canonicalJson([0, -1, 12, 9007199254740991]), "[0,-1,12,9007199254740991]");
    assert.equal(canonicalJson({ a: {}, b: [], c: "" }), '{"a":{},"b":[],"c":""}');
  });

  test(`[${driver}] legacyLine matches json.dumps(record, default=str)`, () => {
    assert.equal(
      legacyLine({
        ts: "2026-05-27T20:30:07+00:00",
        kind: "mcp_tool_rate_limited",
        tool: "tool_\u00e9",
        cap: 1,
        list: [1, { x: null }],
      }),
      '{"ts": "2026-05-27T20:30:07+00:00", "kind": "mcp_tool_rate_limited", "tool": "tool_\\u00e9", "cap": 1, "list": [1, {"x": null}]}',
    );
  });

  test(`[${driver}] a database in a read-only directory (a snapshot, a backup) opens read-only`, async () => {
    const mnt = mkdtempSync(join(tmpdir(), "forge-eventlog-ro-"));
    const src = mkdtempSync(join(tmpdir(), "forge-eventlog-ro-src-"));
    try {
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt], { stdio: "ignore" });
      } catch {
        return; // not allowed to mount here (not root): nothing to check
      }
      try {
        // 1. A closed database: just the main file.
        const closed = join(src, "closed.db");
        const a = await EventStore.open(closed, { driver });
        for (let i = 0; i < 5; i++) a.append("task.heartbeat", { i });
        a.close();
        mkdirSync(join(mnt, "closed"));
        copyFileSync(closed, join(mnt, "closed", "events.db"));
        // 2. A snapshot of a live database: main file, -wal with content, -shm.
        const live = join(src, "live.db");
        const b = await EventStore.open(live, { driver });
        for (let i = 0; i < 7; i++) b.append("task.heartbeat", { i });
        assert.ok(statSync(`${live}-wal`).size > 0);
        for (const dir of ["live", "wal-only"]) mkdirSync(join(mnt, dir));
        for (const suffix of ["", "-wal", "-shm"]) {
          copyFileSync(`${live}${suffix}`, join(mnt, "live", `events.db${suffix}`));
        }
        // 3. The same without its -shm: SQLite cannot read that WAL where it is.
        for (const suffix of ["", "-wal"]) {
          copyFileSync(`${live}${suffix}`, join(mnt, "wal-only", `events.db${suffix}`));
        }
        b.close();
        execFileSync("mount", ["-o", "remount,ro", mnt], { stdio: "ignore" });

        const read = async (dir: string) => {
          const store = await EventStore.open(join(mnt, dir, "events.db"), {
            driver,
            readonly: true,
          });
          try {
            const report = store.verify();
            assert.ok(report.ok, JSON.stringify(report));
            return all(store).length;
          } finally {
            store.close();
          }
        };
        assert.equal(await read("closed"), 5);
        assert.equal(await read("live"), 7);
        assert.deepEqual(readdirSync(join(mnt, "closed")), ["events.db"]);
        let caught: unknown;
        try {
          await read("wal-only");
        } catch (e) {
          caught = e;
        }
        assert.ok(caught instanceof EventLogError, String(caught));
        assert.equal(caught.code, "db_readonly");
        assert.ok(!caught.message.includes("\n"), caught.message);
        assert.match(caught.message, /read-only/);
        assert.match(caught.message, /copy .+ into a writable directory/);
      } finally {
        execFileSync("umount", [mnt], { stdio: "ignore" });
      }
    } finally {
      rmSync(mnt, { recursive: true, force: true });
      rmSync(src, { recursive: true, force: true });
    }
  });
}
