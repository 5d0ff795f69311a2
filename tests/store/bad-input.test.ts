import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ErrorCode, EventLogError } from "../../src/errors.ts";
import { EventStore } from "../../src/store/event-store.ts";
import type { OpenOptions } from "../../src/store/open.ts";
import { spawnChild } from "./child-process.ts";

const LOCK_HOLDER = join(import.meta.dir, "../fixtures/store-lock-holder.ts");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-eventlog-bad-input-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The one error `fn` throws: an EventLogError with `code` whose message names `file`. */
async function expectError(
  fn: () => unknown,
  code: ErrorCode,
  file: string,
): Promise<EventLogError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(EventLogError);
  const error = caught as EventLogError;
  expect({ code: error.code as string, message: error.message }).toEqual({
    code,
    message: expect.stringContaining(file),
  });
  return error;
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

async function storeWith(file: string, events: number, options: OpenOptions = {}) {
  const store = await EventStore.open(file, options);
  store.appendBatch(
    Array.from({ length: events }, (_, i) => ({
      kind: "task.heartbeat",
      payload: { i, note: "x".repeat(200) },
      idempotencyKey: `hb-${i}`,
      eventId: i.toString(16).padStart(32, "0"),
      occurredAt: "2026-06-02T12:00:00Z",
    })),
  );
  return store;
}

function expectIntact(store: EventStore, events: number): void {
  const stored = [...store.since(0)];
  expect(stored.length).toBe(events);
  expect(stored.every((e, i) => e.sequence === i + 1 && e.payload.i === i)).toBe(true);
  expect(store.verify().ok).toBe(true);
}

test("a file that is not SQLite is refused, and left byte for byte as it was", async () => {
  const file = join(dir, "notes.db");
  writeFileSync(file, "this is a text file, not a database\n".repeat(300));
  const before = sha256(file);
  const error = await expectError(() => EventStore.open(file), "db_not_a_database", file);
  expect(error.message).toContain("not a SQLite database");
  await expectError(() => EventStore.open(file, { readonly: true }), "db_not_a_database", file);
  expect(sha256(file)).toBe(before);
  expect(readdirSync(dir)).toEqual(["notes.db"]);
});

test("a corrupt file gives db_corrupt naming it; events before the damage stay readable", async () => {
  const file = join(dir, "events.db");
  (await storeWith(file, 3_000)).close();
  const pageSize = 4096;
  const pages = statSync(file).size / pageSize;
  expect(pages).toBeGreaterThan(100);
  const fd = openSync(file, "r+");
  const junk = Buffer.alloc(20 * pageSize, 0xa5);
  writeSync(fd, junk, 0, junk.length, Math.floor(pages / 2) * pageSize);
  closeSync(fd);

  const store = await EventStore.open(file);
  try {
    const first = [...store.since(0, { limit: 100, pageSize: 100 })];
    expect(first.map((e) => e.payload.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const error = await expectError(() => [...store.since(0)], "db_corrupt", file);
    expect(error.message).toContain("corrupt");
    let report: ReturnType<EventStore["verify"]> | undefined;
    try {
      report = store.verify();
    } catch (e) {
      expect(e).toBeInstanceOf(EventLogError);
      expect((e as EventLogError).code).toBe("db_corrupt");
      expect((e as EventLogError).message).toContain(file);
    }
    expect(report?.ok ?? false).toBe(false);
  } finally {
    store.close();
  }
});

test("a newer schema is refused with a clear error, and the file is not modified", async () => {
  const file = join(dir, "events.db");
  (await storeWith(file, 5)).close();
  const raw = new Database(file);
  raw.run("PRAGMA user_version = 99");
  raw.close();
  const before = sha256(file);
  const error = await expectError(() => EventStore.open(file), "db_schema_too_new", file);
  expect(error.message).toContain("99");
  expect(error.message).toContain("upgrade");
  await expectError(() => EventStore.open(file, { readonly: true }), "db_schema_too_new", file);
  await expectError(
    () => EventStore.open(file, { synchronous: "full" }),
    "db_schema_too_new",
    file,
  );
  expect(sha256(file)).toBe(before);
  const check = new Database(file, { readonly: true });
  const row = check.query("SELECT COUNT(*) AS n FROM events").get() as { n: number };
  check.close();
  expect(row.n).toBe(5);
});

test("a missing file opened readonly or with create:false is db_not_found, nothing created", async () => {
  const file = join(dir, "sub", "events.db");
  await expectError(() => EventStore.open(file, { readonly: true }), "db_not_found", file);
  await expectError(() => EventStore.open(file, { create: false }), "db_not_found", file);
  expect(existsSync(join(dir, "sub"))).toBe(false);
  expect(readdirSync(dir)).toEqual([]);
});

test("a directory given as the database path is refused", async () => {
  const path = join(dir, "a-directory");
  mkdirSync(path);
  const error = await expectError(() => EventStore.open(path), "db_cantopen", path);
  expect(error.message).toContain("directory");
  await expectError(() => EventStore.open(path, { readonly: true }), "db_cantopen", path);
  expect(readdirSync(path)).toEqual([]);
});

test("a path whose parent is a regular file cannot be created", async () => {
  const parent = join(dir, "plain-file");
  writeFileSync(parent, "not a directory");
  const file = join(parent, "events.db");
  await expectError(() => EventStore.open(file), "db_cantopen", file);
  await expectError(() => EventStore.open(file, { readonly: true }), "db_not_found", file);
  expect(readFileSync(parent, "utf8")).toBe("not a directory");
});

test("writing through a read-only store is db_readonly, and changes nothing", async () => {
  const file = join(dir, "events.db");
  (await storeWith(file, 3)).close();
  const before = sha256(file);
  const store = await EventStore.open(file, { readonly: true });
  try {
    await expectError(() => store.append("task.heartbeat", {}), "db_readonly", file);
    await expectError(
      () => store.appendBatch([{ kind: "task.heartbeat", payload: {} }]),
      "db_readonly",
      file,
    );
    await expectError(() => store.setCursor("proj", 1), "db_readonly", file);
    await expectError(() => store.exec("DELETE FROM events"), "db_readonly", file);
    expectIntact(store, 3);
    expect(store.getCursor("proj")).toBe(0);
  } finally {
    store.close();
  }
  expect(sha256(file)).toBe(before);
});

test("a lock held past the busy timeout is db_locked; after release appends work", async () => {
  const file = join(dir, "events.db");
  (await storeWith(file, 10)).close();
  const holder = spawnChild(LOCK_HOLDER, [file]);
  try {
    await holder.waitFor("locked\n");
    const store = await EventStore.open(file, { busyTimeoutMs: 200 });
    try {
      const error = await expectError(
        () => store.append("task.heartbeat", { late: true }),
        "db_locked",
        file,
      );
      expect(error.message).toContain("200 ms");
      await expectError(
        () => store.appendBatch([{ kind: "task.heartbeat", payload: {} }]),
        "db_locked",
        file,
      );
      await expectError(() => store.advanceCursor("proj", 1), "db_locked", file);
      expect(store.latestSequence()).toBe(10);

      holder.send("release");
      await holder.waitFor("released\n");
      const r = store.append("task.heartbeat", { i: 10 });
      expect(r.outcome).toBe("appended");
      expect(r.event.sequence).toBe(11);
      expectIntact(store, 11);
    } finally {
      store.close();
    }
    expect((await holder.finish()).exitCode).toBe(0);
  } finally {
    holder.kill();
  }
});

test("a full disk is db_full; nothing of the failed write is kept and the chain holds", async () => {
  const file = join(dir, "events.db");
  const store = await storeWith(file, 50);
  try {
    const pageCount = store.statement("PRAGMA page_count").get<{ page_count: number }>();
    store.exec(`PRAGMA max_page_count = ${Number(pageCount?.page_count) + 2}`);
    const big = { blob: "y".repeat(6_000) };
    let appended = 50;
    let error: unknown;
    for (let attempt = 0; attempt < 20 && error === undefined; attempt++) {
      try {
        store.append("worker.observation", { ...big, attempt });
        appended++;
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(EventLogError);
    expect((error as EventLogError).code).toBe("db_full");
    expect((error as EventLogError).message).toContain(file);
    await expectError(
      () => store.appendBatch([{ kind: "worker.observation", payload: big }]),
      "db_full",
      file,
    );
    expect(store.latestSequence()).toBe(appended);
    const kept = [...store.since(0)];
    expect(kept.length).toBe(appended);
    expect(kept.slice(0, 50).every((e, i) => e.payload.i === i)).toBe(true);
    expect(store.verify().ok).toBe(true);

    store.exec("PRAGMA max_page_count = 1073741823");
    expect(store.append("worker.observation", big).event.sequence).toBe(appended + 1);
    expect(store.verify().ok).toBe(true);
  } finally {
    store.close();
  }
});

test("an unknown event kind names the kind and the file; stored events are untouched", async () => {
  const file = join(dir, "events.db");
  const store = await storeWith(file, 5);
  try {
    const error = await expectError(
      () => store.append("mcp_tool_rate_limited", { tool: "tool_e" }),
      "unknown_kind",
      file,
    );
    expect(error.message).toContain('"mcp_tool_rate_limited"');
    expectIntact(store, 5);
  } finally {
    store.close();
  }
});
