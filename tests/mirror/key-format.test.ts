import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { legacyLine } from "../../src/encoding/python-json.ts";
import { KEY_PREFIX, type KeyFormat, SHORT_KEY_PREFIX } from "../../src/mirror/idempotency-key.ts";
import { mapLegacyRecord } from "../../src/mirror/map-record.ts";
import { Mirror } from "../../src/mirror/mirror.ts";
import { planRecord } from "../../src/mirror/plan-record.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { runMirror } from "../follow/legacy-lines.ts";
import { tempDir } from "../helpers.ts";

const EVERY_KIND = join(import.meta.dir, "golden/every-kind.jsonl");
const lines = () => readFileSync(EVERY_KIND, "utf8").split("\n").filter(Boolean);
const records = () => lines().map((l) => JSON.parse(l) as { kind: string });

// Known answers computed with Python's json and hashlib: sha256 of `<part>\n<canonical record>`
// (hex) for eventlog:, of `<durable kind>\n<part>\n<canonical record>` (base64url) for fe:.
const READING = {
  ts: "2026-06-02T12:34:56.789Z",
  kind: "watchdog_worker_stuck",
  issue: 7,
  idle_s: 610,
  stuck_after_s: 600,
  worktree: "/tmp/wt-é",
};
const TICK = { ts: "2026-06-02T12:00:00Z", kind: "tick_start", tick: 3, issues: [167, 168] };

const keysOf = (record: { kind: string }, format: KeyFormat) =>
  (mapLegacyRecord(record, null, format) ?? []).map((e) => e.idempotencyKey as string);

/** Every key the mirror gives the golden file's records, in order, without repeats. */
const goldenKeys = (format: KeyFormat) => [...new Set(records().flatMap((r) => keysOf(r, format)))];

function storedKeys(db: string): string[] {
  const h = new Database(db, { readonly: true });
  try {
    return h
      .query<{ k: string }, []>("SELECT idempotency_key AS k FROM events ORDER BY sequence")
      .all()
      .map((r) => r.k);
  } finally {
    h.close();
  }
}

/** Appends the records' events under `format`'s keys, as a writer of that format would have. */
function writeKeyed(store: EventStore, recs: { kind: string }[], format: KeyFormat): number {
  let appended = 0;
  for (const rec of recs) {
    for (const e of mapLegacyRecord(rec, null, format) ?? []) {
      if (store.append(e.kind, e.payload, e).outcome === "appended") appended++;
    }
  }
  return appended;
}

/**
 * A database as the release before schema 9 left it: `eventlog:` keys, no settings table,
 * user_version 8 (schema 9 adds only that table).
 */
async function schema8Database(db: string, recs: { kind: string }[]): Promise<number> {
  const store = await EventStore.open(db);
  const appended = writeKeyed(store, recs, KEY_PREFIX);
  store.close();
  const raw = new Database(db);
  raw.exec("DROP TABLE settings; PRAGMA user_version = 8;");
  raw.close();
  return appended;
}

test("both key formats give their known answers; the earlier format's keys are unchanged", () => {
  expect(keysOf(READING, KEY_PREFIX)).toEqual(["eventlog:task.heartbeat:e1da42406a01527b1aa62ed0"]);
  expect(keysOf(TICK, KEY_PREFIX)).toEqual([
    "eventlog:tick.started:902a70f047a8d8d4a2048bff",
    "eventlog:task.planned:25755c8d2f4e02f413d19bd8",
    "eventlog:task.planned:10674f7c5649666f6fc669ad",
  ]);
  expect(keysOf(READING, SHORT_KEY_PREFIX)).toEqual(["fe:1648dbxaNQM6OdkO"]);
  expect(keysOf(TICK, SHORT_KEY_PREFIX)).toEqual([
    "fe:ex3RVg40oBjUU8mT",
    "fe:i4jueYnY2mfAaw3F",
    "fe:9hpxhzrv-p81FBne",
  ]);
  // A PR's merge keeps its readable entity key, in the database's format.
  const merged = { ts: TICK.ts, kind: "post_critic_automerge_enabled", issue: 7, pr: 201 };
  expect(keysOf(merged, SHORT_KEY_PREFIX)).toEqual(["fe:pr.merged:issue=7:pr=201"]);
  expect(keysOf(merged, KEY_PREFIX)).toEqual(["eventlog:pr.merged:issue=7:pr=201"]);
  // Two events of one outcome (pr.opened, task.completed) differ in fe: by their kind alone.
  const all = goldenKeys(SHORT_KEY_PREFIX);
  expect(all.length).toBe(goldenKeys(KEY_PREFIX).length);
});

test("a new database writes fe: keys; hook records, then the same JSONL mirrored twice, store each event once", async () => {
  const dir = tempDir();
  const db = join(dir, "events.db");
  const store = await EventStore.open(db);
  expect(store.keyFormat()).toBe(SHORT_KEY_PREFIX);
  // The plugin's path: each record handed over as an object.
  const hooks = new Mirror(store);
  for (const rec of records()) hooks.mirrorRecord(rec);
  const stored = hooks.stats().appended;
  store.close();
  // The JSONL's path: the follower plans lines on its worker thread.
  for (let round = 0; round < 2; round++) {
    const r = await runMirror([EVERY_KIND, "--db", db, "--json"]);
    expect(r.exitCode).toBe(0);
    expect(r.summary).toMatchObject({ events_appended: 0, conflicts: 0, threads: 2 });
  }
  const keys = storedKeys(db);
  expect(keys.length).toBe(stored);
  expect(keys).toEqual(goldenKeys(SHORT_KEY_PREFIX));
  expect(Math.max(...keys.filter((k) => !k.includes(":issue=")).map((k) => k.length))).toBe(19);
});

test("a database written with eventlog: keys keeps them: re-mirroring its JSONL appends nothing, new records get eventlog: keys", async () => {
  const dir = tempDir();
  const db = join(dir, "old.db");
  const recs = records();
  const half = Math.floor(recs.length / 2);
  const before = await schema8Database(db, recs.slice(0, half));
  const store = await EventStore.open(db);
  expect(store.schemaVersion()).toBe(9);
  expect(store.keyFormat()).toBe(KEY_PREFIX);
  store.close();
  const missing = goldenKeys(KEY_PREFIX).length - before;
  for (const [flags, appended] of [
    [[], missing],
    [["--no-threads"], 0],
  ] as const) {
    const r = await runMirror([EVERY_KIND, "--db", db, "--json", ...flags]);
    expect(r.exitCode).toBe(0);
    expect(r.summary).toMatchObject({ events_appended: appended, conflicts: 0 });
  }
  // Exactly the keys the earlier release gives the whole file, in file order.
  expect(storedKeys(db)).toEqual(goldenKeys(KEY_PREFIX));
  const again = await EventStore.open(db);
  new Mirror(again).mirrorRecord(READING);
  expect(storedKeys(db).at(-1)).toBe("eventlog:task.heartbeat:e1da42406a01527b1aa62ed0");
  again.close();
});

test("an fe: database holding eventlog: keys (imported) finds its events under them", async () => {
  const db = join(tempDir(), "events.db");
  const store = await EventStore.open(db);
  const imported = writeKeyed(store, records(), KEY_PREFIX);
  const m = new Mirror(store);
  for (const line of lines()) m.mirrorRecord(JSON.parse(line));
  expect(m.stats()).toMatchObject({ appended: 0, conflicts: 0 });
  expect(store.latestSequence()).toBe(imported);
  expect(store.keyFormat()).toBe(SHORT_KEY_PREFIX);
  store.close();
});

test("a plan made for the other format (the plugin's unclonable record) is made again in the database's", async () => {
  const store = await EventStore.open(join(tempDir(), "events.db"));
  const plan = planRecord(READING);
  if (plan.status !== "events") throw new Error(`planned ${plan.status}`);
  expect(plan.events[0]?.idempotency_key).toStartWith(KEY_PREFIX);
  const m = new Mirror(store);
  m.applyPlan(plan, null, { source: "plugin", raw: legacyLine(READING) });
  const [e] = [...store.since(0)];
  expect(e?.idempotency_key).toBe("fe:1648dbxaNQM6OdkO");
  expect(e?.event_id).toBe(plan.events[0]?.event_id as string);
  // A record without ts keeps the time it was planned with.
  const { ts: _, ...untimed } = READING;
  const late = planRecord({ ...untimed, idle_s: 700 }, undefined, "2026-06-02T13:00:00Z");
  m.applyPlan(late, null, { source: "plugin", raw: legacyLine({ ...untimed, idle_s: 700 }) });
  const last = [...store.since(1)];
  expect(last.map((x) => [x.idempotency_key?.slice(0, 3), x.occurred_at])).toEqual([
    ["fe:", "2026-06-02T13:00:00.000000+00:00"],
  ]);
  store.close();
});

test("a key format this release does not know is refused, not guessed", async () => {
  const db = join(tempDir(), "events.db");
  (await EventStore.open(db)).close();
  const raw = new Database(db);
  raw.exec("UPDATE settings SET value = 'zz:' WHERE name = 'key_format'");
  raw.close();
  const store = await EventStore.open(db);
  expect(() => new Mirror(store).mirrorRecord(READING)).toThrow(/key format "zz:"/);
  expect(store.latestSequence()).toBe(0);
  store.close();
});

test("the follower's line planner keys in the format it is given, on its worker thread and inline", async () => {
  const { startPreparer } = await import("../../src/follow/preparer.ts");
  for (const format of [SHORT_KEY_PREFIX, KEY_PREFIX] as const) {
    for (const threads of [true, false]) {
      const preparer = await startPreparer(format, threads);
      try {
        expect(preparer.threaded).toBe(threads);
        const { plans } = await preparer.prepare([legacyLine(READING)]);
        const [plan] = plans;
        if (plan?.status !== "events") throw new Error(`planned ${plan?.status}`);
        expect(plan.events.map((e) => e.idempotency_key)).toEqual(keysOf(READING, format));
      } finally {
        preparer.close();
      }
    }
  }
});
