import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { EVENT_COLUMNS } from "../../src/store/event-columns.ts";
import { eventJsonLine, eventJsonSql } from "../../src/store/event-json.ts";
import { EventStore } from "../../src/store/event-store.ts";
import type { SinceFilter } from "../../src/store/read.ts";
import { tempDir } from "../helpers.ts";
import { DAMAGE_EVENT_3, editedLog } from "./edited-log.ts";
import { createUpstream, upstreamAppend } from "./upstream-writer.ts";

/** A line's text; its bytes must be UTF-8 and end with its one newline. */
function lineOf(e: { bytes: Uint8Array }): string {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(e.bytes);
  if (!text.endsWith("\n") || text.indexOf("\n") !== text.length - 1) {
    throw new Error(`not one line: ${JSON.stringify(text)}`);
  }
  return text.slice(0, -1);
}

/** What each reader gives: the lines SQLite writes, and since()'s events written by eventJsonLine. */
function bothReads(store: EventStore, filter: SinceFilter = {}) {
  const read = (lines: () => string[]) => {
    try {
      return { lines: lines() };
    } catch (e) {
      return { error: String(e) };
    }
  };
  return {
    sql: read(() => [...store.sinceJson(0, { pageSize: 2, ...filter })].map(lineOf)),
    js: read(() => [...store.since(0, filter)].map(eventJsonLine)),
  };
}

/** Text JSON.stringify escapes in every way it has, and text it leaves as it is. */
const ODD = [
  'quote " backslash \\ slash /',
  "controls \u0000\u0001\u0008\t\n\u000b\f\r\u001f end",
  "DEL \u007f, caf\u00e9, \u2028\u2029, \ud83d\ude00, \uffff",
];

function log(edits: string[] = []) {
  return editedLog((store) => {
    ODD.forEach((text, i) => {
      store.append(
        "task.heartbeat",
        { note: text, n: i, big: 2 ** 53 - 1, tiny: 1e-7, "10": "integer-like key" },
        { taskId: `issue:${i} ${text}`, sagaId: text, idempotencyKey: `k:${text}` },
      );
    });
    store.append("tick.started", { tick: 1 }, { causalSequence: 2, causalEventId: "e".repeat(32) });
    store.append("tick.completed", { tick: 1 });
  }, edits);
}

test("SQLite writes every event's line byte for byte as eventJsonLine does", async () => {
  const { store } = await log();
  const r = bothReads(store);
  store.close();
  expect(r.sql).toHaveProperty("lines");
  expect(r.sql).toEqual(r.js);
  const lines = (r.sql as { lines: string[] }).lines;
  expect(lines).toHaveLength(5);
  const first = JSON.parse(lines[0]!);
  expect(first.task_id).toBe(`issue:0 ${ODD[0]}`);
  // The payload as stored: canonical JSON, keys sorted, digits kept.
  expect(lines[0]).toContain(
    `"payload":{"10":"integer-like key","big":9007199254740991,"n":0,"note":"quote \\" backslash \\\\ slash /","tiny":1e-07}`,
  );
  expect(JSON.parse(lines[2]!).payload.note).toBe(ODD[2]);
});

test("a payload stored as another writer formats it is written on one line, still as JSON", async () => {
  const { store } = await log([
    `UPDATE events SET payload_json = '{' || char(10) || '  "tick": 1,' || char(13, 10) || '  "big": 12345678901234567890' || char(10) || '}' WHERE sequence = 4`,
    `UPDATE events SET payload_json = '  {"tick":2,' || char(13) || '"x":1}  ' WHERE sequence = 5`,
  ]);
  const r = bothReads(store);
  store.close();
  expect(r.sql).toEqual(r.js);
  const lines = (r.sql as { lines: string[] }).lines;
  expect(lines.join("\n").split("\n")).toHaveLength(5);
  expect(JSON.parse(lines[3]!).payload.tick).toBe(1);
  expect(JSON.parse(lines[4]!).payload).toEqual({ tick: 2, x: 1 });
});

test("a damaged row fails the lines as it fails since(), naming it; oddly typed rows that read pass", async () => {
  for (const edit of [
    ...DAMAGE_EVENT_3,
    "UPDATE events SET causal_sequence = 9007199254740993 WHERE sequence = 3",
    "UPDATE events SET payload_json = '{tick: 1}' WHERE sequence = 3",
    "UPDATE events SET payload_json = x'7b7d' WHERE sequence = 3",
  ]) {
    const { store } = await log([edit]);
    const r = bothReads(store);
    store.close();
    expect([edit, r.js]).toEqual([edit, { error: expect.stringContaining("event 3 in") }]);
    expect([edit, r.sql]).toEqual([edit, r.js]);
  }
  const { store } = await log([
    "UPDATE events SET schema_version = '1' WHERE sequence = 2",
    "UPDATE events SET task_id = 7 WHERE sequence = 1",
    // Text that is no UTF-8 (a lone continuation byte, a cut sequence): read as since() reads it.
    "UPDATE events SET saga_id = CAST(x'74696b80e282' AS TEXT) WHERE sequence = 3",
  ]);
  const r = bothReads(store);
  store.close();
  expect(r.sql).toEqual(r.js);
});

test("filters, limits and the chain check read the same lines", async () => {
  const { store } = await log();
  for (const filter of [
    { kinds: ["tick.started", "tick.completed"] },
    { limit: 3 },
    { taskId: `issue:1 ${ODD[1]}` },
    { sagaId: ODD[2] },
    { verifyChain: true, limit: 4 },
  ] satisfies SinceFilter[]) {
    const r = bothReads(store, filter);
    expect([filter, r.sql]).toEqual([filter, r.js]);
    expect((r.sql as { lines: string[] }).lines.length).toBeGreaterThan(0);
  }
  store.close();
  const broken = await log(["UPDATE events SET saga_id = 'edited' WHERE sequence = 2"]);
  const r = bothReads(broken.store, { verifyChain: true });
  broken.store.close();
  expect(r.js).toEqual({ error: expect.stringContaining("chain broken at sequence 2") });
  expect(r.sql).toEqual(r.js);
});

test("a table without some of the columns (upstream's oldest) reads them as null", async () => {
  const file = join(tempDir(), "oldest.db");
  createUpstream(file, "oldest");
  upstreamAppend(file, "oldest", [
    { kind: "tick.started", payload: { tick: 1, note: "caf\u00e9" }, key: "t:1" },
    { kind: "tick.completed", payload: { tick: 1 }, sagaId: "tick:1", key: "t:2" },
  ]);
  const store = await EventStore.open(file, { readonly: true });
  const r = bothReads(store);
  store.close();
  expect(r.sql).toEqual(r.js);
  const lines = (r.sql as { lines: string[] }).lines;
  expect(lines).toHaveLength(2);
  expect(JSON.parse(lines[0]!)).toMatchObject({ prev_hash: null, event_hash: null });
});

test("a UTF-16 database's lines are UTF-8 all the same", async () => {
  const file = join(tempDir(), "utf16.db");
  const db = new Database(file);
  db.run("PRAGMA encoding = 'UTF-16le'");
  db.run("CREATE TABLE fix_encoding (x)");
  db.run("DROP TABLE fix_encoding");
  db.close();
  const writer = await EventStore.open(file);
  writer.append("task.heartbeat", { note: ODD[2] }, { taskId: "issue:1", sagaId: ODD[1] });
  writer.close();
  const store = await EventStore.open(file, { readonly: true });
  const r = bothReads(store);
  store.close();
  expect(r.sql).toEqual(r.js);
  expect((r.sql as { lines: string[] }).lines).toHaveLength(1);
});

test("without concat() (SQLite before 3.44) the line SQLite writes is the same", async () => {
  const { file, store } = await log();
  const js = [...store.since(0)].map(eventJsonLine);
  store.close();
  const db = new Database(file, { readonly: true });
  const present = new Set(EVENT_COLUMNS);
  const lines = (concat: boolean) =>
    db
      .query(
        `SELECT ${eventJsonSql(present, "1", { concat })} AS line FROM events ORDER BY sequence`,
      )
      .all()
      .map((row) => (row as { line: string }).line);
  const [withConcat, withBars] = [lines(true), lines(false)];
  db.close();
  expect(withConcat).toEqual(js);
  expect(withBars).toEqual(js);
});
