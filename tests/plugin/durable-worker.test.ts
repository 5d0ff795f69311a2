/**
 * The durable writer on its own thread: a second process holding the write lock never reaches
 * a hook, failed commits are retried until stored, an overflowing backlog drops the oldest and
 * names their ts range, and a database file deleted or replaced under the plugin is noticed and
 * reopened; a `forge-eventlog mirror` backfill fills in the rest with no duplicates.
 * Real files, real processes; every wait is on an observed fact with a deadline.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs";
import { getPriority } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { type ConfigInput, resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { WORKER_NICE } from "../../src/plugin/worker-link.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { dbState, eventCount, runMirror } from "../follow/legacy-lines.ts";
import { tempDir, waitFor } from "../helpers.ts";
import { expectStoredProjectionCurrent, projectionAtHead } from "../replay/projection-at-head.ts";
import { lockHolder } from "./lock-holder.ts";
import { GOLDEN_JSONL, runSession } from "./session.ts";

const FIXTURES = join(import.meta.dir, "../fixtures");
const goldenTs = () =>
  readFileSync(GOLDEN_JSONL, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { ts: string }).ts);

/** The keys a run without failures stores. */
async function referenceKeys(): Promise<string[]> {
  return (await dbState(await referenceDb())).keys;
}

async function referenceDb(): Promise<string> {
  const dir = tempDir();
  await runSession(dir, { jsonl: "e.jsonl", db: "e.db", mirror: true });
  return join(dir, "e.db");
}

/** The idempotency keys in the order they were stored. */
function storedOrder(db: string): string[] {
  const d = new Database(db, { readonly: true });
  try {
    return d
      .query<{ k: string }, []>("SELECT idempotency_key AS k FROM events ORDER BY sequence")
      .all()
      .map((r) => r.k);
  } finally {
    d.close();
  }
}

interface Run {
  plugin: EventLogPlugin;
  warnings: string[];
}

/** The demo session through a plugin; `at(n)` runs before hook call n. */
async function run(
  dir: string,
  config: ConfigInput,
  at: (call: number, plugin: EventLogPlugin) => Promise<void> = async () => {},
): Promise<Run> {
  const warnings: string[] = [];
  const plugin = await EventLogPlugin.create({
    config: resolveConfig(config, dir),
    now: demoClock(),
    logger: { warn: (m) => warnings.push(m) },
  });
  const result: Run = { plugin, warnings };
  let calls = 0;
  const timed = new Proxy(plugin, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function" || !String(prop).startsWith("on")) return v;
      return async (m: never) => {
        await at(++calls, plugin);
        v.call(target, m);
      };
    },
  });
  await runDemoSession(timed);
  return result;
}

test("another process holding the write lock never blocks a hook; the batches are retried and stored", async () => {
  const reference = await referenceKeys();
  const dir = tempDir();
  const db = join(dir, "events.db");
  (await EventStore.open(db)).close();
  const holder = await lockHolder(db);
  const { plugin, warnings } = await run(dir, {
    jsonl: "e.jsonl",
    db: "events.db",
    mirror: true,
    busyTimeoutMs: 1000,
  });
  const held = await waitFor("a failed commit kept for a retry", () => {
    const s = plugin.stats();
    return s.durableFailed > 0 && s.durableBacklog > 0 && s;
  });
  expect(held.queued).toBeGreaterThanOrEqual(held.durableBacklog);
  expect(eventCount(db)).toBe(0);
  await holder.release();

  // No flush, no close: the retry alone stores everything.
  await waitFor("every event stored by the retry", () => eventCount(db) === reference.length);
  await waitFor("the stats to catch up", () => plugin.stats().queued === 0);
  plugin.close();
  const stats = plugin.stats();
  expect(stats).toMatchObject({ queued: 0, durableBacklog: 0, durableDropped: 0 });
  expect(stats.durableFailed).toBe(held.durableFailed);
  expect(stats.mirror?.appended).toBe(reference.length);
  expect(warnings.filter((w) => w.includes("locked"))).toHaveLength(1);
  expect(warnings.find((w) => w.includes("locked"))).toContain("retries");
  expect(warnings.filter((w) => w.includes("not stored"))).toHaveLength(0);
  const state = await dbState(db);
  expect(state.keys).toEqual(reference);
  expect(state.verified).toBe(true);
}, 60_000);

test("a full backlog drops the oldest, counts them and names their ts range; mirror backfills them", async () => {
  const reference = await referenceKeys();
  const ts = goldenTs();
  const dir = tempDir();
  const db = join(dir, "events.db");
  (await EventStore.open(db)).close();
  const holder = await lockHolder(db);
  const { plugin, warnings } = await run(dir, {
    jsonl: "e.jsonl",
    db: "events.db",
    mirror: true,
    busyTimeoutMs: 50,
    mirrorBacklogMax: 10,
  });
  const kept = 10;
  const lost = ts.length - kept;
  await waitFor("the backlog full", () => {
    const s = plugin.stats();
    return s.durableDropped === lost && s.durableBacklog === kept;
  });
  const dropped = warnings.find((w) => w.includes("mirrorBacklogMax"));
  expect(dropped).toContain(`ts ${ts[0]} ..`);
  expect(dropped).toContain(`forge-eventlog mirror ${join(dir, "e.jsonl")} --db ${db}`);
  await holder.release();
  plugin.close();
  const stats = plugin.stats();
  expect(stats).toMatchObject({ queued: 0, durableBacklog: 0, durableDropped: lost });
  // At close, the final range: the first to the last dropped record.
  const final = warnings.find((w) => w.includes("not stored") && !w.includes("mirrorBacklogMax"));
  expect(final).toContain(`${lost} milestones were not stored in ${db}`);
  expect(final).toContain(`ts ${ts[0]} .. ${ts[lost - 1]}`);
  const stored = eventCount(db);
  expect(stored).toBe(stats.mirror!.appended);
  expect(stored).toBeLessThan(reference.length);

  await expectBackfillRestores(dir, db, reference, { duplicates: stored });
}, 60_000);

for (const how of ["deleted", "replaced"] as const) {
  test(`the database file ${how} under the plugin: noticed, said once, reopened; mirror backfills the rest`, async () => {
    const reference = await referenceKeys();
    const dir = tempDir();
    const db = join(dir, "events.db");
    let before = 0;
    const { plugin, warnings } = await run(
      dir,
      { jsonl: "e.jsonl", db: "events.db", mirror: true, mirrorFlushMs: 0 },
      atHalfway(async (p) => {
        before = p.stats().mirror!.appended;
        expect(eventCount(db)).toBe(before);
        if (how === "deleted") {
          unlinkSync(db);
        } else {
          const fresh = join(dir, "fresh.db");
          (await EventStore.open(fresh)).close();
          renameSync(fresh, db);
        }
      }),
    );
    plugin.close();
    expect(before).toBeGreaterThan(0);
    const stats = plugin.stats();
    expect(stats).toMatchObject({ queued: 0, durableFailed: 0, durableDropped: 0 });
    expect(stats.mirror!.appended).toBe(reference.length);
    const said = warnings.filter((w) =>
      w.includes(`was ${how === "deleted" ? "deleted" : "replaced"}`),
    );
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`forge-eventlog mirror ${join(dir, "e.jsonl")} --db ${db}`);
    expect(warnings).toHaveLength(1);

    // The later milestones are in the file at the path, and only they.
    const after = await dbState(db);
    expect(after.verified).toBe(true);
    expect(after.events).toBe(reference.length - before);
    expect(reference).toEqual(expect.arrayContaining(after.keys));

    await expectBackfillRestores(dir, db, reference, { events_appended: before });
  }, 60_000);
}

test("mirrorFlushMs 0: each milestone is its own commit, on the writer's thread", async () => {
  const dir = tempDir();
  const db = join(dir, "events.db");
  const warnings: string[] = [];
  const plugin = await EventLogPlugin.create({
    config: resolveConfig(
      { jsonl: "e.jsonl", db: "events.db", mirror: true, mirrorFlushMs: 0 },
      dir,
    ),
    now: demoClock(),
    logger: { warn: (m) => warnings.push(m) },
  });
  plugin.onTick({ kind: "tick_start", tick: 1, issues: [167] });
  await waitFor("the first milestone stored", () => eventCount(db) >= 1);
  await waitFor("the writer's counts", () => plugin.stats().mirror?.appended === eventCount(db));
  plugin.onTick({ kind: "tick_start", tick: 2, issues: [167] });
  // Stored without any flush: the write-through post goes at once.
  await waitFor("the second milestone stored", () => eventCount(db) >= 2);
  plugin.close();
  expect(warnings).toEqual([]);
  expect(plugin.stats()).toMatchObject({ queued: 0, durableFailed: 0 });
});

test("kill -9 of the runner loses at most the queue from SQLite; all of it is in the JSONL and mirror backfills it", async () => {
  const reference = await referenceKeys();
  const dir = tempDir();
  const db = join(dir, "events.db");
  const child = Bun.spawn([process.execPath, join(FIXTURES, "plugin-session.ts"), dir], {
    stdout: "pipe",
  });
  const reader = child.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain("recorded");
  // Every hook has returned; the 1 s write-behind queue has not been committed yet.
  child.kill(9);
  await child.exited;
  expect(readFileSync(join(dir, "e.jsonl"), "utf8")).toBe(readFileSync(GOLDEN_JSONL, "utf8"));
  const stored = eventCount(db);
  expect(stored).toBeLessThan(reference.length);

  await expectBackfillRestores(dir, db, reference, { duplicates: stored });
}, 60_000);

/** A `run` callback: at the session's 28th hook call, once the first half is stored, `act`. */
function atHalfway(act: (plugin: EventLogPlugin) => Promise<void>) {
  return async (call: number, plugin: EventLogPlugin): Promise<void> => {
    if (call !== 28) return;
    await waitFor("the first half stored", () => plugin.stats().queued === 0);
    await act(plugin);
  };
}

/**
 * `mirror` of the session's JSONL into `db` stores what the plugin did not (`summary` says
 * how it counted them): afterwards the log holds the reference keys and its chain verifies.
 */
async function expectBackfillRestores(
  dir: string,
  db: string,
  reference: string[],
  summary: Record<string, number>,
): Promise<void> {
  const backfill = await runMirror([join(dir, "e.jsonl"), "--db", db, "--json"]);
  expect(backfill.exitCode).toBe(0);
  expect(backfill.summary).toMatchObject({ conflicts: 0, ...summary });
  const state = await dbState(db);
  expect(state.keys).toEqual(reference);
  expect(state.verified).toBe(true);
}

/** Longer than any test: a writer in SQLite's busy wait stays there until the lock is released. */
const STUCK_MS = 120_000;

/**
 * A database whose write lock another process holds: the writer's first commit waits in
 * SQLite's busy handler until `release()`, taking nothing more from the ring meanwhile.
 */
async function stuckWriter(db: string) {
  (await EventStore.open(db)).close();
  return lockHolder(db);
}

/**
 * The demo session run with a 4 KiB ring while the writer is stuck (see stuckWriter);
 * `meanwhile` runs before the lock is released, then the plugin is closed.
 */
async function runWithWriterStuck(
  extra: Partial<ConfigInput> = {},
  meanwhile: (dir: string, db: string) => void = () => {},
) {
  const dir = tempDir();
  const db = join(dir, "events.db");
  const holder = await stuckWriter(db);
  const { plugin, warnings } = await run(dir, {
    jsonl: "e.jsonl",
    db: "events.db",
    mirror: true,
    ringBytes: 4096,
    busyTimeoutMs: STUCK_MS,
    ...extra,
  });
  meanwhile(dir, db);
  await holder.release();
  plugin.close();
  return { dir, db, plugin, warnings };
}

test("a full ring never blocks a hook: the lines it had no room for are read back from the JSONL, in order, once", async () => {
  const reference = storedOrder(await referenceDb());
  const { dir, db, plugin, warnings } = await runWithWriterStuck({}, (dir, db) => {
    // Every hook of the session returned while the writer sat in SQLite's busy wait (the lock
    // is released only now): none of them waited on the writer, its lock or its ring.
    expect(eventCount(db)).toBe(0);
    expect(statSync(join(dir, "e.jsonl")).size).toBeGreaterThan(2 * 4096);
  });
  expect(plugin.stats().durableGaps).toBeGreaterThan(0);
  expect(warnings).toEqual([]);
  expect(plugin.stats()).toMatchObject({ queued: 0, durableFailed: 0, durableDropped: 0 });
  expect(storedOrder(db)).toEqual(reference);
  expect((await dbState(db)).verified).toBe(true);
  const backfill = await runMirror([join(dir, "e.jsonl"), "--db", db, "--json"]);
  expect(backfill.summary).toMatchObject({ conflicts: 0, events_appended: 0 });
}, 60_000);

test("a full ring across JSONL rotations: each gap is read back from the rotated file it went to", async () => {
  const reference = storedOrder(await referenceDb());
  const { dir, db, plugin, warnings } = await runWithWriterStuck({
    jsonlRotateBytes: 3000,
    jsonlKeep: 9,
  });
  expect(plugin.stats().durableGaps).toBeGreaterThan(1);
  expect(statSync(join(dir, "e.jsonl.3")).size).toBeGreaterThan(0);
  expect(warnings).toEqual([]);
  expect(plugin.stats()).toMatchObject({ queued: 0, durableFailed: 0, durableDropped: 0 });
  expect(storedOrder(db)).toEqual(reference);
}, 60_000);

test("a gap whose JSONL file is gone is counted and said with the backfill command", async () => {
  const { dir, db, plugin, warnings } = await runWithWriterStuck({}, (dir) =>
    unlinkSync(join(dir, "e.jsonl")),
  );
  const stats = plugin.stats();
  expect(stats.durableDropped).toBeGreaterThan(0);
  expect(stats.mirror!.records + stats.durableDropped).toBe(goldenTs().length);
  const said = warnings.filter((w) => w.includes("hand-over ring was full"));
  expect(said).toHaveLength(1);
  expect(said[0]).toContain(`forge-eventlog mirror ${join(dir, "e.jsonl")} --db ${db}`);
}, 60_000);

test("the durable worker killed mid-session: the runner goes on, it is said once, mirror backfills the rest", async () => {
  const reference = await referenceKeys();
  const dir = tempDir();
  const db = join(dir, "events.db");
  let storedBefore = 0;
  const { plugin, warnings } = await run(
    dir,
    { jsonl: "e.jsonl", db: "events.db", mirror: true, mirrorFlushMs: 0 },
    atHalfway(async (p) => {
      storedBefore = eventCount(db);
      const link = (p as unknown as { durable: { link: { worker: Worker } } }).durable.link;
      await link.worker.terminate();
      await waitFor("the death noticed", () =>
        p.stats().durableError?.includes("worker thread stopped"),
      );
    }),
  );
  plugin.close();
  expect(readFileSync(join(dir, "e.jsonl"), "utf8")).toBe(readFileSync(GOLDEN_JSONL, "utf8"));
  expect(warnings.filter((w) => w.includes("worker thread stopped"))).toHaveLength(1);
  expect(storedBefore).toBeGreaterThan(0);
  const stored = eventCount(db);
  expect(stored).toBe(storedBefore);
  expect(plugin.stats().durableFailed).toBe(goldenTs().length - 27);
  await expectBackfillRestores(dir, db, reference, { duplicates: stored });
}, 60_000);

/** The nice value of each of this process's threads by thread id (Linux), or null without /proc. */
function threadNices(): Map<string, number> | null {
  const tasks = "/proc/self/task";
  if (!existsSync(tasks)) return null;
  const nices = new Map<string, number>();
  for (const tid of readdirSync(tasks)) {
    try {
      const stat = readFileSync(`${tasks}/${tid}/stat`, "utf8");
      nices.set(tid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return nices;
}

test("the worker threads run at nice WORKER_NICE (never above the runner's), the runner's threads as they were", async () => {
  const before = threadNices();
  if (before === null) return; // no /proc: nothing to look at
  const runner = getPriority(0);
  const dir = tempDir();
  const plugin = await EventLogPlugin.create({
    config: resolveConfig(
      { jsonl: "e.jsonl", db: "e.db", mirror: true, events: { enabled: true, root: "." } },
      dir,
    ),
    logger: { warn: () => {} },
  });
  plugin.onStart({ kind: "loop_start" });
  plugin.flush();
  const during = threadNices()!;
  plugin.close();
  const started = [...during].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
  // Two worker threads (their helper threads may inherit it too), at WORKER_NICE or, for a
  // runner already nicer than that, at the runner's.
  const workerNice = Math.max(runner, WORKER_NICE);
  expect(started.filter((n) => n === workerNice).length).toBeGreaterThanOrEqual(2);
  // The threads that were there before are as they were.
  for (const [tid, nice] of before) if (during.has(tid)) expect(during.get(tid)).toBe(nice);
  expect(getPriority(0)).toBe(runner);
});

for (const mirrorFlushMs of [25, 0]) {
  test(`between milestones the writer's thread brings the timeline projection up to the head (mirrorFlushMs ${mirrorFlushMs})`, async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const plugin = await EventLogPlugin.create({
      config: resolveConfig({ jsonl: "e.jsonl", db: "e.db", mirror: true, mirrorFlushMs }, dir),
      now: demoClock(),
      logger: { warn: (m) => warnings.push(m) },
    });
    await runDemoSession(plugin);
    plugin.flush();
    const db = join(dir, "e.db");
    const head = await waitFor("the projection at the head", () => projectionAtHead(db));
    expect(plugin.stats().offThread.durable).toBe(true);
    plugin.close();
    expect(warnings).toEqual([]);
    expect(eventCount(db)).toBe(head);
    await expectStoredProjectionCurrent(db);
  });
}
