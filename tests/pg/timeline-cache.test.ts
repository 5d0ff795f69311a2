/** The timeline cache of a PostgreSQL log: one file per source, folded on from where it stood. */

import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  closeAll,
  type PgTimelineCache,
  pgSourceTimelines,
} from "../../src/replay/pg-timelines.ts";
import { renderTimelines } from "../../src/replay/render-timeline.ts";
import { timelineCacheFile } from "../../src/replay/timeline-cache.ts";
import { replayTimelines } from "../../src/replay/timeline-projection.ts";
import {
  applyEvent,
  emptyTimelines,
  loopOf,
  type TimelineSet,
} from "../../src/replay/timeline-state.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { loadDriver } from "../../src/store/load-driver.ts";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, tempDir } from "../helpers.ts";
import { adminQuery, dropSchemas, freshSchema } from "./pg-server.ts";

afterAll(dropSchemas);

const rendered = (set: TimelineSet) =>
  renderTimelines({
    tasks: new Map([...set.tasks()].map((task) => [task.issue, task])),
    loop: loopOf(set),
  });

/** A runner's local log of `lines` realistic lines (from line `from`), shipped as `source`. */
async function runner(url: string, dir: string, source: string, count: number, from = 0) {
  const jsonl = join(dir, `${source}.jsonl`);
  const db = join(dir, `${source}.db`);
  writeLines(jsonl, realisticLines(count, from));
  expect((await cli(["mirror", jsonl, "--db", db, "--quiet"])).code).toBe(0);
  expect((await cli(["ship", "--db", db, "--to", url, "--source", source, "--quiet"])).code).toBe(
    0,
  );
  const local = await EventStore.open(db, { readonly: true });
  try {
    return renderTimelines(replayTimelines(local));
  } finally {
    local.close();
  }
}

/** A cache of PostgreSQL sources' timelines in `dir`; what it drops goes to `drops`. */
async function pgCache(dir: string, drops: string[] = []): Promise<PgTimelineCache> {
  return { dir, driver: await loadDriver(), onDrop: (e) => drops.push(e.message), open: [] };
}

/** One source's timelines through the cache in `dir`, with where each fold started. */
async function read(url: string, source: string, cache: PgTimelineCache) {
  const store = await PgEventStore.open(url, { readonly: true });
  const starts: number[] = [];
  const sinceFold = store.sinceFold.bind(store);
  store.sinceFold = (after, filter) => {
    starts.push(after);
    return sinceFold(after, filter);
  };
  try {
    return { text: rendered(await pgSourceTimelines(store, source, cache)), starts };
  } finally {
    closeAll(cache);
    await store.close();
  }
}

test("each source is cached; the next read folds only what was shipped since, and equals the runner's own", async () => {
  const { url } = await freshSchema("tlcache");
  const dir = tempDir();
  const drops: string[] = [];
  const cache = await pgCache(tempDir(), drops);
  const a = await runner(url, dir, "runner-a", 120);
  const b = await runner(url, dir, "runner-b", 80, 500);
  const first = await read(url, "runner-a", cache);
  expect(first).toEqual({ text: a, starts: [0] });
  expect(await read(url, "runner-b", cache)).toEqual({ text: b, starts: [0] });
  const shipped = (await read(url, "runner-a", cache)).starts[0] ?? 0;
  expect(shipped).toBeGreaterThan(120);

  // runner-a's log grows (the same first lines, then more), and is shipped again.
  const grown = await runner(url, dir, "runner-a", 200);
  const next = await read(url, "runner-a", cache);
  expect(next.text).toBe(grown);
  expect(next.starts).toEqual([shipped]);
  expect(drops).toEqual([]);
});

test("a source folded from its first event is stored every so many events, never held whole", async () => {
  const { url } = await freshSchema("tlcache_pages");
  const own = await runner(url, tempDir(), "runner-a", 150);
  const cache = { ...(await pgCache(tempDir())), eventsPerStore: 7 };
  const first = await read(url, "runner-a", cache);
  expect(first.text).toBe(own);
  // One fold per 7 events, each from where the one before stored.
  expect(first.starts.length).toBeGreaterThan(150 / 7);
  expect(first.starts).toEqual([...first.starts].sort((a, b) => a - b));
  expect(new Set(first.starts).size).toBe(first.starts.length);
  const again = await read(url, "runner-a", cache);
  expect(again.text).toBe(own);
  expect(again.starts).toHaveLength(1);
  expect(again.starts[0]).toBeGreaterThanOrEqual(first.starts.at(-1) ?? 0);
});

test("a schema dropped and made again under the same URL, with other events: folded anew", async () => {
  const { url, schema } = await freshSchema("tlcache_again");
  const dir = tempDir();
  const cache = await pgCache(tempDir());
  await runner(url, dir, "runner-a", 150);
  expect((await read(url, "runner-a", cache)).starts).toEqual([0]);
  await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
  const other = await runner(url, tempDir(), "runner-a", 170, 900);
  const again = await read(url, "runner-a", cache);
  expect(again.text).toBe(other);
  expect(again.starts).toEqual([0]);
});

test("a reader that finds another stored first reads again from where that one got", async () => {
  const { url } = await freshSchema("tlcache_race");
  const own = await runner(url, tempDir(), "runner-a", 120);
  const dir = tempDir();
  const drops: string[] = [];
  const store = await PgEventStore.open(url, { readonly: true });
  const starts: number[] = [];
  const sinceFold = store.sinceFold.bind(store);
  store.sinceFold = (after, filter) => {
    starts.push(after);
    const events = sinceFold(after, filter);
    if (starts.length > 1) return events;
    // While this reader folds, another folds the same source and stores it first.
    return (async function* () {
      expect((await read(url, "runner-a", await pgCache(dir, drops))).text).toBe(own);
      yield* events;
    })();
  };
  const cache = await pgCache(dir, drops);
  try {
    expect(rendered(await pgSourceTimelines(store, "runner-a", cache))).toBe(own);
    expect(starts).toEqual([0, await store.sourceHead("runner-a")]);
    expect(drops).toEqual([]);
  } finally {
    closeAll(cache);
    await store.close();
  }
});

test("PostgreSQL's own failure surfaces as itself; a cache that cannot be written costs one fold", async () => {
  const { url, schema } = await freshSchema("tlcache_fail");
  const dir = tempDir();
  const local = tempDir();
  await runner(url, local, "runner-a", 120);
  const before = await read(url, "runner-a", await pgCache(dir));
  const own = await runner(url, local, "runner-a", 200);
  // Another connection holds the cache file's write lock: the fold is whole, kept nowhere.
  const store0 = await PgEventStore.open(url, { readonly: true });
  const file = timelineCacheFile(dir, `${store0.path}#${store0.schema}\nrunner-a`);
  await store0.close();
  const locker = new Database(file);
  locker.exec("BEGIN IMMEDIATE");
  const drops: string[] = [];
  try {
    const locked = await read(url, "runner-a", await pgCache(dir, drops));
    expect(locked.text).toBe(own);
    expect(locked.starts).toHaveLength(1);
    expect(locked.starts[0]).toBeGreaterThan(before.starts[0] ?? 0);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toContain("locked");
  } finally {
    locker.exec("ROLLBACK");
    locker.close();
  }
  drops.length = 0;
  const store = await PgEventStore.open(url, { readonly: true });
  await adminQuery(`ALTER TABLE ${schema}.events RENAME TO gone`);
  const failing = await pgCache(dir, drops);
  try {
    await expect(pgSourceTimelines(store, "runner-a", failing)).rejects.toMatchObject({
      code: "pg_error",
    });
    expect(drops).toEqual([]);
  } finally {
    closeAll(failing);
    await store.close();
    await adminQuery(`ALTER TABLE ${schema}.gone RENAME TO events`);
  }
  expect((await read(url, "runner-a", await pgCache(dir))).text).toBe(own);
});

test("a source shipped again from a new local log (its sequences again from 1): folded in commit order", async () => {
  const { url, schema } = await freshSchema("tlcache_again2");
  await runner(url, tempDir(), "runner-a", 60);
  // What a remade local log shipped under the same name adds: other events, the same numbers.
  await adminQuery(
    `INSERT INTO ${schema}.events (sequence, event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, idempotency_key, source, source_sequence) SELECT sequence + 100000, 'x' || event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, 'x' || idempotency_key, source, source_sequence FROM ${schema}.events WHERE source_sequence <= 30`,
  );
  const store = await PgEventStore.open(url, { readonly: true });
  try {
    const expected = emptyTimelines();
    for await (const e of store.sinceWithOrigin(0, { source: "runner-a" })) {
      applyEvent(expected, { ...e, sequence: e.source_sequence ?? e.sequence });
    }
    const cache = await pgCache(tempDir());
    expect(rendered(await pgSourceTimelines(store, "runner-a", cache))).toBe(
      renderTimelines(expected),
    );
    closeAll(cache);
  } finally {
    await store.close();
  }
});

test("timeline --db postgres://: the same output with the cache as without, one cache file per source", async () => {
  const { url } = await freshSchema("tlcache_cli");
  const dir = tempDir();
  await runner(url, dir, "runner-a", 90);
  await runner(url, dir, "runner-b", 60, 300);
  const env = { FORGE_EVENTLOG_CACHE_DIR: tempDir() };
  const plain = await cli(["timeline", "--db", url, "--json", "--no-cache"], { env });
  expect(plain.code).toBe(0);
  for (let i = 0; i < 2; i++) {
    const r = await cli(["timeline", "--db", url, "--json"], { env });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: plain.stdout });
  }
  const store = await PgEventStore.open(url, { readonly: true });
  const key = (source: string) => `${store.path}#${store.schema}\n${source}`;
  for (const source of ["runner-a", "runner-b"]) {
    expect(existsSync(timelineCacheFile(env.FORGE_EVENTLOG_CACHE_DIR, key(source)))).toBe(true);
  }
  await store.close();
});
