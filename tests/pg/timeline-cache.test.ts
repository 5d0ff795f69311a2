/** The timeline cache of a PostgreSQL log: one file per source, folded on from where it stood. */
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
import { loopOf, type TimelineSet } from "../../src/replay/timeline-state.ts";
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
