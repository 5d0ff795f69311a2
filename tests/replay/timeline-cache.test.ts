import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TIMELINE_CURSOR } from "../../src/replay/projection-home.ts";
import { sortedTasks } from "../../src/replay/render-timeline.ts";
import { CacheSlot, timelineCacheFile } from "../../src/replay/timeline-cache.ts";
import { currentTimelines, replayTimelines } from "../../src/replay/timeline-projection.ts";
import type { Timelines } from "../../src/replay/timeline-state.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { cli, tempDir } from "../helpers.ts";
import { createUpstream } from "../store/upstream-writer.ts";
import { goldenLog } from "./golden-log.ts";

const CONTRACT =
  "event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, causal_event_id, causal_sequence, idempotency_key";

/**
 * Appends the events of `from` in (after, upTo] to the log at `path`, created as forge-loop's
 * oldest writer makes it (no projection tables, never migrated by a reader); `idPrefix`
 * replaces each event id's first character, making other events of the same content.
 */
function copyEvents(path: string, from: string, after: number, upTo: number, idPrefix = "") {
  if (!existsSync(path)) createUpstream(path, "oldest");
  const db = new Database(path);
  try {
    db.exec(`ATTACH '${from}' AS src`);
    const id = idPrefix === "" ? "event_id" : `'${idPrefix}' || substr(event_id, 2)`;
    db.exec(
      `INSERT INTO events (${CONTRACT}) SELECT ${CONTRACT.replace("event_id", id)} FROM src.events WHERE sequence > ${after} AND sequence <= ${upTo} ORDER BY sequence`,
    );
  } finally {
    db.close();
  }
}

function expectScratch(got: Timelines, store: EventStore): void {
  const scratch = replayTimelines(store);
  expect(sortedTasks(got)).toEqual(sortedTasks(scratch));
  expect(got.loop).toEqual(scratch.loop);
}

/** The cache file's position row, read as another process would. */
function cachePosition(file: string): { sequence: number; event_id: string | null } | null {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .query<{ sequence: number; event_id: string | null }, []>(
        "SELECT sequence, event_id FROM cache_position WHERE id = 1",
      )
      .get();
  } finally {
    db.close();
  }
}

/** Reads the timelines of `log` through a fresh cache slot; what it dropped is collected. */
async function readThroughCache(log: string, dir: string, drops: string[] = []) {
  const store = await EventStore.open(log, { readonly: true });
  const folds: number[] = [];
  const sinceFold = store.sinceFold.bind(store);
  store.sinceFold = (after, filter) => {
    folds.push(after ?? 0);
    return sinceFold(after, filter);
  };
  const slot = new CacheSlot(dir, (e) => drops.push(e.message));
  try {
    const timelines = currentTimelines(store, slot);
    const read = { timelines, folds: [...folds], head: store.latestSequence() };
    expectScratch(timelines, store);
    return read;
  } finally {
    slot.close();
    store.close();
  }
}

test("another writer's log: the cache is folded once, then only the events after it", async () => {
  const ours = await goldenLog("ours.db");
  const head = (await EventStore.open(ours, { readonly: true })).latestSequence();
  const log = join(tempDir(), "foreign.db");
  const dir = tempDir();
  copyEvents(log, ours, 0, 40);
  const first = await readThroughCache(log, dir);
  expect(first.folds[0]).toBe(0);
  const file = timelineCacheFile(dir, realpathSync(log));
  expect(cachePosition(file)?.sequence).toBe(40);

  copyEvents(log, ours, 40, head);
  const second = await readThroughCache(log, dir);
  // The catch-up starts where the cache stood; nothing is folded from sequence 0 again.
  expect(second.folds[0]).toBe(40);
  expect(second.folds).not.toContain(0);
  expect(cachePosition(file)?.sequence).toBe(head);
  const third = await readThroughCache(log, dir);
  expect(third.folds).toEqual([head, head]);
  expect(sortedTasks(third.timelines)).toEqual(sortedTasks(second.timelines));
});

test("a log replaced at the same path by other events: the cache is emptied and folded again", async () => {
  const ours = await goldenLog("ours.db");
  const log = join(tempDir(), "foreign.db");
  const dir = tempDir();
  copyEvents(log, ours, 0, 50);
  await readThroughCache(log, dir);
  // Other events: the log's first 50 from its 11th on, under other ids.
  const other = join(tempDir(), "other.db");
  copyEvents(other, ours, 10, 60, "b");
  renameSync(other, log);
  const read = await readThroughCache(log, dir);
  expect(read.folds).toContain(0);
  expect(cachePosition(timelineCacheFile(dir, realpathSync(log)))).toMatchObject({ sequence: 50 });
});

test("a log restored from an older copy, shorter than the cache: folded again from 0", async () => {
  const ours = await goldenLog("ours.db");
  const log = join(tempDir(), "foreign.db");
  const dir = tempDir();
  copyEvents(log, ours, 0, 60);
  const older = join(tempDir(), "older.db");
  copyEvents(older, ours, 0, 25);
  await readThroughCache(log, dir);
  renameSync(older, log);
  const read = await readThroughCache(log, dir);
  expect(read.head).toBe(25);
  expect(cachePosition(timelineCacheFile(dir, realpathSync(log)))?.sequence).toBe(25);
});

/** Another writer's log of the golden session's first 30 events, read once through a cache. */
async function cachedLog() {
  const log = join(tempDir(), "foreign.db");
  const dir = tempDir();
  copyEvents(log, await goldenLog("ours.db"), 0, 30);
  await readThroughCache(log, dir);
  return { log, dir, file: timelineCacheFile(dir, realpathSync(log)) };
}

test("a cache file that is no database is made again; nothing is said", async () => {
  const { log, dir, file } = await cachedLog();
  writeFileSync(file, "not a database, just bytes where a cache was ".repeat(200));
  const drops: string[] = [];
  await readThroughCache(log, dir, drops);
  expect(drops).toEqual([]);
  expect(cachePosition(file)?.sequence).toBe(30);
});

test("a cache that cannot be made is passed by: the log is read alone, the reason told once", async () => {
  const ours = await goldenLog("ours.db");
  const log = join(tempDir(), "foreign.db");
  copyEvents(log, ours, 0, 30);
  const blocker = join(tempDir(), "a-file");
  writeFileSync(blocker, "");
  const drops: string[] = [];
  const read = await readThroughCache(log, join(blocker, "cache"), drops);
  expect(read.folds).toEqual([0]);
  expect(drops).toHaveLength(1);
  expect(drops[0]).toContain("ENOTDIR");
});

test("our own log keeps its projection in itself; read-only, only one never built or to rebuild uses the cache", async () => {
  const ours = await goldenLog("ours.db");
  const dir = tempDir();
  // Read-only and never caught up: folded into the cache, once.
  const unbuilt = await readThroughCache(ours, dir);
  expect(unbuilt.folds[0]).toBe(0);
  expect((await readThroughCache(ours, dir)).folds).toEqual([unbuilt.head, unbuilt.head]);
  const writer = await EventStore.open(ours);
  const slot = new CacheSlot(dir, () => {});
  expectScratch(currentTimelines(writer, slot), writer);
  expect(writer.getCursor(TIMELINE_CURSOR)).toBe(writer.latestSequence());
  slot.close();
  writer.close();
  // Caught up in the file itself: read from it, never from the cache.
  const elsewhere = tempDir();
  const read = await readThroughCache(ours, elsewhere);
  expect(read.folds).toEqual([read.head]);
  expect(existsSync(timelineCacheFile(elsewhere, realpathSync(ours)))).toBe(false);

  // A stored loop that no longer parses: the read-only log's projection must be rebuilt.
  const d = new Database(ours);
  d.run("UPDATE timeline_loop SET state_json = '{broken'");
  d.close();
  const rebuilt = await readThroughCache(ours, elsewhere);
  expect(rebuilt.folds[0]).toBe(0);
  expect(cachePosition(timelineCacheFile(elsewhere, realpathSync(ours)))?.sequence).toBe(
    rebuilt.head,
  );
});

test("a log replaced while another reader folds the old one: neither's fold is stored as the other's", async () => {
  const ours = await goldenLog("ours.db");
  const log = join(tempDir(), "foreign.db");
  const dir = tempDir();
  copyEvents(log, ours, 0, 40);
  const old = await EventStore.open(log, { readonly: true });
  const oldSlot = new CacheSlot(dir, () => {});
  oldSlot.open(old);
  const other = join(tempDir(), "other.db");
  copyEvents(other, ours, 5, 60, "b");
  renameSync(other, log);
  const replaced = await EventStore.open(log, { readonly: true });
  const drops: string[] = [];
  const newSlot = new CacheSlot(dir, (e) => drops.push(e.message));
  newSlot.open(replaced);
  // The old file's reader stores its fold first; the new one's then finds it and goes without.
  expectScratch(currentTimelines(old, oldSlot), old);
  expectScratch(currentTimelines(replaced, newSlot), replaced);
  expect(drops).toHaveLength(1);
  expect(drops[0]).toContain("holds another fold");
  for (const s of [oldSlot, newSlot]) s.close();
  old.close();
  replaced.close();
  const next = await readThroughCache(log, dir);
  expect(next.folds[0]).toBe(0);
  expect(cachePosition(timelineCacheFile(dir, realpathSync(log)))?.sequence).toBe(next.head);
});

test("a damaged cache row fails that read with what was done, and the next read is whole", async () => {
  const ours = await goldenLog("ours.db");
  const log = join(tempDir(), "foreign.db");
  copyEvents(log, ours, 0, 1_000_000);
  const env = { FORGE_EVENTLOG_CACHE_DIR: tempDir() };
  const plain = await cli(["timeline", "--db", log, "--json", "--no-cache"], { env });
  expect((await cli(["timeline", "--db", log, "--json"], { env })).stdout).toBe(plain.stdout);
  const file = timelineCacheFile(env.FORGE_EVENTLOG_CACHE_DIR, realpathSync(log));
  const d = new Database(file);
  d.run("UPDATE timeline_tasks SET state_json = '{broken' WHERE issue = 168");
  d.close();
  const failed = await cli(["timeline", "--db", log, "--json"], { env });
  expect(failed.code).toBe(1);
  expect(failed.stderr).toBe(
    `error: the timeline cache ${file} held a damaged row for issue 168, and was emptied: run the command again to fold it anew, or read without it with --no-cache\n`,
  );
  const again = await cli(["timeline", "--db", log, "--json"], { env });
  expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: plain.stdout });
});

test("a cache whose position cannot be read is emptied and folded again", async () => {
  const { log, dir, file } = await cachedLog();
  const d = new Database(file);
  d.run("UPDATE cache_position SET sequence = 'thirty'");
  d.close();
  const drops: string[] = [];
  const read = await readThroughCache(log, dir, drops);
  expect(drops).toEqual([]);
  expect(read.folds[0]).toBe(0);
  expect(cachePosition(file)?.sequence).toBe(30);
});

test("timeline on another writer's log: the same output with and without the cache, twice at once", async () => {
  const ours = await goldenLog("ours.db");
  const log = join(tempDir(), "foreign.db");
  copyEvents(log, ours, 0, 1_000_000);
  const env = { FORGE_EVENTLOG_CACHE_DIR: tempDir() };
  const plain = await cli(["timeline", "--db", log, "--json", "--no-cache"], { env });
  expect(plain.code).toBe(0);
  expect(existsSync(timelineCacheFile(env.FORGE_EVENTLOG_CACHE_DIR, realpathSync(log)))).toBe(
    false,
  );
  // Two readers fold into one new cache at once; each prints what a fold from 0 prints.
  const both = await Promise.all([
    cli(["timeline", "--db", log, "--json"], { env }),
    cli(["timeline", "--db", log, "--json"], { env }),
  ]);
  for (const r of both)
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: plain.stdout });
  const again = await cli(["timeline", "--db", log, "--json"], { env });
  expect(again.stdout).toBe(plain.stdout);
  const head = new Database(log, { readonly: true })
    .query<{ s: number }, []>("SELECT MAX(sequence) AS s FROM events")
    .get()?.s;
  expect(
    cachePosition(timelineCacheFile(env.FORGE_EVENTLOG_CACHE_DIR, realpathSync(log)))?.sequence,
  ).toBe(head);
});
