/**
 * The durable-log contract that every engine keeps, written once with each call awaited, so
 * the synchronous SQLite store (bun:sqlite, node:sqlite) and the asynchronous PostgreSQL one
 * pass the same tests. Only node:assert/strict and node: built-ins, so Deno runs it unchanged.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { EventLogError } from "../../src/errors.ts";
import { GENESIS_HASH } from "../../src/store/chain.ts";
import type { CursorRow } from "../../src/store/cursors.ts";
import type { SinceFilter } from "../../src/store/read.ts";
import type {
  AppendInput,
  AppendOptions,
  AppendResult,
  StoredEvent,
} from "../../src/store/record.ts";
import type { VerifyReport } from "../../src/store/verify.ts";

export type RegisterTest = (name: string, fn: () => void | Promise<void>) => void;

type Awaitable<T> = T | Promise<T>;
type Events = Iterable<StoredEvent> | AsyncIterable<StoredEvent>;

/** What the contract asks of a store, whatever its engine (EventStore and PgEventStore fit). */
export interface ContractLog {
  readonly path: string;
  append(
    kind: string,
    payload: Record<string, unknown>,
    options?: AppendOptions,
  ): Awaitable<AppendResult>;
  appendBatch(inputs: readonly AppendInput[]): Awaitable<AppendResult[]>;
  since(after?: number, filter?: SinceFilter): Events;
  latestSequence(): Awaitable<number>;
  eventAt(sequence: number): Awaitable<StoredEvent | undefined>;
  eventByKey(key: string): Awaitable<StoredEvent | undefined>;
  getCursor(name: string): Awaitable<number>;
  setCursor(name: string, sequence: number, options?: { rewind?: boolean }): Awaitable<void>;
  advanceCursor(name: string, sequence: number): Awaitable<void>;
  deleteCursor(name: string): Awaitable<boolean>;
  listCursors(): Awaitable<CursorRow[]>;
  verify(): Awaitable<VerifyReport>;
  close(): Awaitable<void>;
}

/** A fresh, empty log of one engine, and what a test may do to it besides the API. */
export interface FreshLog {
  store: ContractLog;
  /** How the engine's messages name the log (a file path, a URL). */
  target: string;
  /** Raw SQL on the log's tables (for tampering). */
  exec(sql: string): Promise<void>;
  /** Opens the same log again. */
  reopen(options?: { readonly?: boolean }): Promise<ContractLog>;
  /** Removes the log. */
  dispose(): Promise<void>;
}

export interface LogEngine {
  name: string;
  fresh(): Promise<FreshLog>;
}

const OCCURRED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const EVENT_ID = /^[0-9a-f]{32}$/;

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

async function collect(events: Events): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function all(store: ContractLog, after = 0): Promise<StoredEvent[]> {
  return collect(store.since(after));
}

async function assertCode(
  fn: () => unknown,
  code: string,
  mentions?: string,
): Promise<EventLogError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof EventLogError, `expected EventLogError ${code}, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  if (mentions !== undefined) assert.ok(caught.message.includes(mentions), caught.message);
  return caught;
}

export function logContractSuite(test: RegisterTest, engine: LogEngine): void {
  /** Runs `fn` on a fresh log, then closes and removes it. */
  function logTest(
    name: string,
    fn: (store: ContractLog, target: string, exec: FreshLog["exec"]) => Promise<void>,
  ) {
    test(`[${engine.name}] ${name}`, async () => {
      const log = await engine.fresh();
      try {
        await fn(log.store, log.target, (sql) => log.exec(sql));
      } finally {
        await log.store.close();
        await log.dispose();
      }
    });
  }

  logTest("append stores an event with the contract's field formats", async (store) => {
    assert.equal(await store.latestSequence(), 0);
    const r = await store.append(
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
    assert.equal(await store.latestSequence(), 1);
    assert.deepEqual(await store.eventAt(1), e);
    assert.deepEqual(await store.eventByKey("tick:7:started"), e);
    assert.equal(await store.eventAt(2), undefined);
    assert.equal(await store.eventByKey("nope"), undefined);
    const other = await store.append("tick.completed", { tick: 7 });
    assert.equal(other.event.sequence, 2);
    assert.equal(other.event.idempotency_key, null);
    assert.equal(other.event.task_id, null);
    assert.notEqual(other.event.event_id, e.event_id);
  });

  logTest("a given event_id is kept; a malformed one is refused", async (store) => {
    const id = "0123456789abcdef0123456789abcdef";
    assert.equal((await store.append("pr.opened", {}, { eventId: id })).event.event_id, id);
    await assertCode(() => store.append("pr.opened", {}, { eventId: "XYZ" }), "invalid_event");
    await assertCode(
      () => store.append("pr.opened", {}, { eventId: id.toUpperCase() }),
      "invalid_event",
    );
    assert.equal(await store.latestSequence(), 1);
  });

  logTest("a duplicate idempotency key returns the original and writes nothing", async (store) => {
    const first = await store.append("task.planned", { issue: 5 }, { idempotencyKey: "k1" });
    const again = await store.append(
      "task.planned",
      { issue: 5 },
      { idempotencyKey: "k1", occurredAt: "2030-01-01T00:00:00Z" },
    );
    assert.equal(again.outcome, "duplicate");
    assert.deepEqual(again.event, first.event);
    assert.equal(await store.latestSequence(), 1);
    assert.equal((await all(store)).length, 1);
  });

  logTest(
    "a conflicting idempotency key returns the original and overwrites nothing",
    async (store) => {
      const first = await store.append(
        "task.planned",
        { issue: 5 },
        { idempotencyKey: "k1", taskId: "issue:5" },
      );
      const otherPayload = await store.append(
        "task.planned",
        { issue: 6 },
        { idempotencyKey: "k1", taskId: "issue:5" },
      );
      assert.equal(otherPayload.outcome, "conflict");
      assert.deepEqual(otherPayload.event, first.event);
      const otherKind = await store.append(
        "task.failed",
        { issue: 5 },
        { idempotencyKey: "k1", taskId: "issue:5" },
      );
      assert.equal(otherKind.outcome, "conflict");
      const otherTask = await store.append(
        "task.planned",
        { issue: 5 },
        { idempotencyKey: "k1", taskId: "issue:6" },
      );
      assert.equal(otherTask.outcome, "conflict");
      assert.equal(await store.latestSequence(), 1);
      assert.deepEqual(await store.eventAt(1), first.event);
    },
  );

  logTest("appendBatch stores a batch in order, a key repeated inside it once", async (store) => {
    await store.append("tick.started", { tick: 1 });
    const results = await store.appendBatch([
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
    const stored = await all(store);
    assert.deepEqual(
      stored.map((e) => e.sequence),
      [1, 2, 3, 4],
    );
    for (let i = 1; i < stored.length; i++) {
      assert.equal(stored[i]?.prev_hash, stored[i - 1]?.event_hash);
    }
    assert.deepEqual(await store.appendBatch([]), []);
    assert.equal((await store.verify()).ok, true);
  });

  logTest(
    "appendBatch is one transaction: a failing event keeps none of the batch",
    async (store) => {
      const existing = await store.append("tick.started", { tick: 1 });
      await assert.rejects(
        async () =>
          await store.appendBatch([
            { kind: "task.planned", payload: { issue: 1 }, idempotencyKey: "b1" },
            { kind: "task.planned", payload: { issue: 2 }, eventId: existing.event.event_id },
          ]),
      );
      await assertCode(
        () =>
          store.appendBatch([
            { kind: "task.planned", payload: { issue: 3 } },
            { kind: "task.exploded", payload: {} },
          ]),
        "unknown_kind",
      );
      assert.equal(await store.latestSequence(), 1);
      assert.equal(await store.eventByKey("b1"), undefined);
      const after = await store.append("task.planned", { issue: 1 }, { idempotencyKey: "b1" });
      assert.equal(after.outcome, "appended");
      assert.equal(after.event.sequence, 2);
      assert.equal((await store.verify()).ok, true);
    },
  );

  logTest(
    "since streams events in sequence order, after a sequence, with filters",
    async (store) => {
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
        await store.append(kind, { i }, { taskId, sagaId });
      }
      const seqs = async (events: Events) => (await collect(events)).map((e) => e.sequence);
      assert.deepEqual(await seqs(store.since()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(await seqs(store.since(0)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(await seqs(store.since(6)), [7, 8, 9, 10]);
      assert.deepEqual(await seqs(store.since(10)), []);
      assert.deepEqual(await seqs(store.since(99)), []);
      assert.deepEqual(await seqs(store.since(0, { kinds: ["tick.started"] })), [1, 7]);
      assert.deepEqual(
        await seqs(store.since(0, { kinds: ["task.planned", "task.failed"] })),
        [2, 3, 9],
      );
      assert.deepEqual(await seqs(store.since(0, { kinds: [] })), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(await seqs(store.since(0, { taskId: "issue:2" })), [3, 8, 9]);
      assert.deepEqual(await seqs(store.since(0, { sagaId: "tick:2" })), [7, 8, 9, 10]);
      assert.deepEqual(await seqs(store.since(3, { taskId: "issue:1", sagaId: "tick:1" })), [4, 5]);
      assert.deepEqual(
        await seqs(store.since(0, { kinds: ["task.dispatched"], taskId: "issue:2" })),
        [8],
      );
      assert.deepEqual(await seqs(store.since(0, { limit: 3 })), [1, 2, 3]);
      assert.deepEqual(
        await seqs(store.since(5, { limit: 2, kinds: ["tick.completed"] })),
        [6, 10],
      );
      assert.deepEqual(await seqs(store.since(0, { limit: 0 })), []);
      assert.deepEqual(await seqs(store.since(0, { taskId: "issue:404" })), []);
      assert.deepEqual(
        (await collect(store.since(8))).map((e) => e.payload),
        [{ i: 8 }, { i: 9 }],
      );
    },
  );

  logTest("since pages through more events than one page holds", async (store) => {
    const total = 2_600;
    for (let start = 0; start < total; start += 1_000) {
      const n = Math.min(1_000, total - start);
      await store.appendBatch(
        Array.from({ length: n }, (_, k) => ({
          kind: k % 2 === 0 ? "task.heartbeat" : "worker.observation",
          payload: { n: start + k },
        })),
      );
    }
    const seqs = (await all(store)).map((e) => e.sequence);
    assert.equal(seqs.length, total);
    assert.ok(seqs.every((s, i) => s === i + 1));
    const small = (await collect(store.since(0, { pageSize: 7 }))).map((e) => e.sequence);
    assert.deepEqual(small, seqs);
    const limited = (await collect(store.since(100, { pageSize: 3, limit: 10 }))).map(
      (e) => e.sequence,
    );
    assert.deepEqual(limited, [101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    const filtered = await collect(store.since(0, { kinds: ["worker.observation"], pageSize: 50 }));
    assert.equal(filtered.length, total / 2);
    assert.ok(filtered.every((e, i) => e.sequence === 2 * (i + 1)));
  });

  logTest("latestSequence follows appends", async (store) => {
    assert.equal(await store.latestSequence(), 0);
    await store.append("tick.started", { tick: 1 });
    assert.equal(await store.latestSequence(), 1);
    await store.appendBatch([
      { kind: "task.planned", payload: {} },
      { kind: "task.planned", payload: {} },
    ]);
    assert.equal(await store.latestSequence(), 3);
    await store.append("task.planned", {}, { idempotencyKey: "x" });
    await store.append("task.planned", {}, { idempotencyKey: "x" });
    assert.equal(await store.latestSequence(), 4);
  });

  logTest("cursors: missing is 0, forward only, never past the head", async (store) => {
    assert.equal(await store.getCursor("projection-a"), 0);
    assert.deepEqual(await store.listCursors(), []);
    for (let i = 0; i < 5; i++) await store.append("task.heartbeat", { i });
    await store.advanceCursor("projection-a", 3);
    assert.equal(await store.getCursor("projection-a"), 3);
    await store.advanceCursor("projection-a", 3);
    assert.equal(await store.getCursor("projection-a"), 3);
    await assertCode(
      () => store.advanceCursor("projection-a", 2),
      "cursor_backwards",
      "projection-a",
    );
    await assertCode(() => store.setCursor("projection-a", 0), "cursor_backwards");
    assert.equal(await store.getCursor("projection-a"), 3);
    await assertCode(() => store.advanceCursor("projection-a", 6), "cursor_ahead", "projection-a");
    await assertCode(() => store.advanceCursor("projection-b", 6), "cursor_ahead");
    assert.equal(await store.getCursor("projection-a"), 3);
    assert.equal(await store.getCursor("projection-b"), 0);
    await store.advanceCursor("projection-a", 5);
    assert.equal(await store.getCursor("projection-a"), 5);
    await store.setCursor("projection-a", 1, { rewind: true });
    assert.equal(await store.getCursor("projection-a"), 1);
    await assertCode(() => store.setCursor("projection-a", 9, { rewind: true }), "cursor_ahead");
    await assertCode(() => store.setCursor("projection-a", -1), "cursor_invalid");
    await assertCode(() => store.setCursor("projection-a", 1.5), "cursor_invalid");
    await assertCode(() => store.setCursor("", 1), "cursor_invalid");
    await store.setCursor("projection-b", 0);
    assert.equal(await store.getCursor("projection-b"), 0);
    await store.advanceCursor("projection-c", 5);
    assert.deepEqual(await store.listCursors(), [
      { name: "projection-a", sequence: 1, lag: 4 },
      { name: "projection-b", sequence: 0, lag: 5 },
      { name: "projection-c", sequence: 5, lag: 0 },
    ]);
    await store.append("task.heartbeat", { i: 5 });
    assert.deepEqual(
      (await store.listCursors()).map((c) => c.lag),
      [5, 6, 1],
    );
    assert.equal(await store.deleteCursor("projection-a"), true);
    assert.equal(await store.deleteCursor("projection-a"), false);
    assert.equal(await store.getCursor("projection-a"), 0);
  });

  logTest(
    "an unknown event kind is refused, naming it and the file; nothing is written",
    async (store, file) => {
      await store.append("tick.started", { tick: 1 });
      const e = await assertCode(
        () => store.append("mcp_tool_rate_limited", { tool: "x" }),
        "unknown_kind",
        "mcp_tool_rate_limited",
      );
      assert.ok(e.message.includes(file), e.message);
      await assertCode(
        () =>
          store.appendBatch([
            { kind: "tick.started", payload: {} },
            { kind: "nope", payload: {} },
          ]),
        "unknown_kind",
        file,
      );
      await assertCode(() => store.append("", {}), "unknown_kind");
      await assertCode(() => store.append("TICK.STARTED", {}), "unknown_kind");
      assert.equal(await store.latestSequence(), 1);
    },
  );

  logTest(
    "occurred_at is ISO-8601 UTC with microseconds, from any accepted input",
    async (store) => {
      const at = async (occurredAt?: string | Date) =>
        (await store.append("task.heartbeat", {}, { occurredAt })).event.occurred_at;
      assert.equal(await at("2026-06-02T12:34:56.789Z"), "2026-06-02T12:34:56.789000+00:00");
      assert.equal(await at("2026-05-27T20:30:07+00:00"), "2026-05-27T20:30:07.000000+00:00");
      assert.equal(
        await at("2026-06-02T12:34:56.789000+00:00"),
        "2026-06-02T12:34:56.789000+00:00",
      );
      assert.equal(await at("2026-06-02T12:34:56.123456Z"), "2026-06-02T12:34:56.123456+00:00");
      assert.equal(await at("2026-06-02T14:34:56.5+02:00"), "2026-06-02T12:34:56.500000+00:00");
      assert.equal(await at("2026-06-02T12:34:56"), "2026-06-02T12:34:56.000000+00:00");
      assert.equal(
        await at(new Date(Date.UTC(2026, 5, 2, 12, 34, 56, 789))),
        "2026-06-02T12:34:56.789000+00:00",
      );
      const before = Date.now();
      const now = await at();
      const after = Date.now();
      assert.match(now, OCCURRED_AT);
      const parsed = Date.parse(now.replace(/(\.\d{3})\d{3}/, "$1"));
      assert.ok(parsed >= before && parsed <= after, `${now} is not the time of the append`);
      await assertCode(() => at("yesterday"), "invalid_event", "yesterday");
      await assertCode(() => at("2026-13-45T99:00:00Z"), "invalid_event");
      await assertCode(() => at("2026-02-30T12:00:00Z"), "invalid_event");
      await assertCode(() => at("2026-06-02T24:00:00+00:00"), "invalid_event");
      assert.equal(await store.latestSequence(), 8);
    },
  );

  logTest("payload_json is Python's sorted, compact, ASCII-escaped JSON", async (store) => {
    const payload = {
      zeta: 1,
      alpha: { b: [1, "x", null, true], a: 0.5 },
      "\u00e9": "\u00fc \u{1f600} \u6f22",
      B: "tab\there",
    };
    const e = (await store.append("worker.observation", payload)).event;
    assert.equal(
      e.payload_json,
      '{"B":"tab\\there","alpha":{"a":0.5,"b":[1,"x",null,true]},"zeta":1,"\\u00e9":"\\u00fc \\ud83d\\ude00 \\u6f22"}',
    );
    assert.deepEqual((await store.eventAt(e.sequence))?.payload, payload);
    assert.equal((await store.append("worker.observation", {})).event.payload_json, "{}");
  });

  logTest("event hashes equal an independent sha256 over the chain fields", async (store) => {
    const events = [
      (await store.append("tick.started", { tick: 1 })).event,
      (
        await store.append(
          "task.planned",
          { issue: 3, title: "r\u00e9sum\u00e9" },
          { taskId: "issue:3", sagaId: "tick:1", idempotencyKey: "plan:3" },
        )
      ).event,
      ...(
        await store.appendBatch([
          { kind: "pr.opened", payload: { pr: 12 }, taskId: "issue:3" },
          { kind: "loop.halted", payload: { reason: "loop_stop" }, sagaId: "tick:1" },
        ])
      ).map((r) => r.event),
    ];
    let prev = GENESIS_HASH;
    for (const e of events) {
      assert.equal(e.prev_hash, prev, `prev_hash of ${e.sequence}`);
      assert.equal(e.event_hash, expectedHash(prev, e), `event_hash of ${e.sequence}`);
      assert.match(e.event_hash, /^[0-9a-f]{64}$/);
      prev = e.event_hash;
    }
    assert.deepEqual(await all(store), events);
  });

  logTest("event hash known answer (computed with Python's hashlib and json)", async (store) => {
    const e = (
      await store.append(
        "tick.started",
        { tick: 1 },
        {
          eventId: "ab".repeat(16),
          occurredAt: "2026-06-02T12:34:56.789Z",
          taskId: "issue:7",
          idempotencyKey: "k-1",
        },
      )
    ).event;
    // sha256(json.dumps(["0"*64, "ab"*16, "tick.started", '{"tick":1}', 1,
    //   "2026-06-02T12:34:56.789000+00:00", "issue:7", None, "k-1"], separators=(",", ":")))
    assert.equal(e.event_hash, "507a953b88f80259f5b8214daf48987652048943c73680c5c0ca4ce41e25cbcc");
    assert.equal(e.prev_hash, "0".repeat(64));
  });

  logTest(
    "since(after, { verifyChain }) refuses the first row whose hash or link breaks, from the row before `after` on",
    async (store, _file, exec) => {
      for (let i = 1; i <= 8; i++) {
        await store.append(
          i % 2 ? "task.heartbeat" : "tick.started",
          { i },
          { taskId: `issue:${i}` },
        );
      }
      const kinds = async (after: number, filter = {}) =>
        (await collect(store.since(after, { ...filter, verifyChain: true }))).map(
          (e) => e.sequence,
        );
      assert.deepEqual(await kinds(0), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(await kinds(3, { kinds: ["tick.started"] }), [4, 6, 8]);
      // Row 6 edited: a read that includes it stops before yielding it. A read after it trusts
      // row 6 as the link (its stored hash), like a cursor-based reader.
      await exec(`UPDATE events SET payload_json = '{"i":60}' WHERE sequence = 6`);
      const seen: number[] = [];
      const e = await assertCode(
        async () => {
          for await (const ev of store.since(2, { verifyChain: true, kinds: ["tick.started"] })) {
            seen.push(ev.sequence);
          }
        },
        "chain_broken",
        "sequence 6",
      );
      assert.ok(e.message.includes("row edited"), e.message);
      assert.deepEqual(seen, [4]);
      await assertCode(() => kinds(5), "chain_broken", "sequence 6");
      assert.deepEqual(await kinds(6), [7, 8]);
      // Without the option nothing is checked.
      assert.equal((await collect(store.since(0))).length, 8);
      // Row 3 deleted (no re-chaining): row 4's link breaks.
      await exec("DELETE FROM events WHERE sequence = 3");
      await assertCode(() => kinds(1), "chain_broken", "sequence 4");
    },
  );

  logTest(
    "event hash known answer with non-ASCII: UTF-8 hashed as is (ensure_ascii=False)",
    async (store) => {
      const e = (
        await store.append(
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
        )
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
      assert.equal((await store.verify()).rules.utf8, 1);
    },
  );

  test(`[${engine.name}] reopening keeps events and cursors, and the chain verifies`, async () => {
    const log = await engine.fresh();
    try {
      const store = log.store;
      for (let i = 0; i < 20; i++) {
        await store.append("task.heartbeat", { i, note: "\u00e9" }, { idempotencyKey: `hb-${i}` });
      }
      await store.advanceCursor("proj", 12);
      const before = await all(store);
      await store.close();
      await store.close();

      const reopened = await log.reopen();
      try {
        assert.deepEqual(await all(reopened), before);
        assert.equal(await reopened.getCursor("proj"), 12);
        const r = await reopened.append(
          "task.heartbeat",
          { i: 0, note: "\u00e9" },
          { idempotencyKey: "hb-0" },
        );
        assert.equal(r.outcome, "duplicate");
        const next = await reopened.append("task.heartbeat", { i: 20 });
        assert.equal(next.event.sequence, 21);
        assert.equal(next.event.prev_hash, before.at(-1)?.event_hash);
        const report = await reopened.verify();
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
        await reopened.close();
      }
      const readonly = await log.reopen({ readonly: true });
      try {
        assert.equal(await readonly.latestSequence(), 21);
        assert.equal((await readonly.verify()).ok, true);
      } finally {
        await readonly.close();
      }
    } finally {
      await log.dispose();
    }
  });
}
