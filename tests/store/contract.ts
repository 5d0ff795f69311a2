/**
 * The store contract on both SQLite drivers: bun:sqlite under Bun (contract.bun.test.ts) and
 * node:sqlite under Deno (tests/store/contract.deno.ts): the log contract every engine keeps
 * (contract-log.ts, which PostgreSQL passes too: tests/pg/contract.test.ts), plus what only a
 * SQLite file has (WAL, pragmas, synchronous transactions, read-only directories).
 * Only node:assert/strict and node: built-ins, so both runtimes run it unchanged.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson } from "../../src/encoding/canonical-json.ts";
import { legacyLine } from "../../src/encoding/python-json.ts";
import { EventLogError } from "../../src/errors.ts";
import type { DriverName } from "../../src/store/driver.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { LATEST_SCHEMA_VERSION } from "../../src/store/migrations.ts";
import type { StoredEvent } from "../../src/store/record.ts";
import { type LogEngine, logContractSuite, type RegisterTest } from "./contract-log.ts";

export type { RegisterTest } from "./contract-log.ts";

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

function all(store: EventStore, after = 0): StoredEvent[] {
  return [...store.since(after)];
}

/** The log contract on a fresh SQLite file in its own temp dir, through one driver. */
function sqliteEngine(driver: DriverName): LogEngine {
  return {
    name: driver,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), "forge-eventlog-contract-"));
      const file = join(dir, "events.db");
      const store = await EventStore.open(file, { driver });
      return {
        store,
        target: file,
        exec: async (sql) => store.exec(sql),
        reopen: (options = {}) => EventStore.open(file, { driver, ...options }),
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

export function storeContractSuite(test: RegisterTest, driver: DriverName): void {
  logContractSuite(test, sqliteEngine(driver));

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
