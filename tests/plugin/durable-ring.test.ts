/**
 * The durable sink's hand-over ring when it is full: the writer is woken at once, gaps are
 * announced by an idle runner too, unencodable records wait behind the gaps before them, and
 * the counts stay exact when the writer's thread dies or has closed. Real threads, files and
 * SQLite; every wait is on an observed fact with a deadline.
 */
import { expect, test } from "bun:test";
import { readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { type ConfigInput, resolveConfig } from "../../src/config.ts";
import type { FromWriter, WriterSettings } from "../../src/plugin/durable-protocol.ts";
import { DurableWriter } from "../../src/plugin/durable-writer.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { TIMELINE_CURSOR } from "../../src/replay/projection-home.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { loadDriver } from "../../src/store/load-driver.ts";
import { eventCount } from "../follow/legacy-lines.ts";
import { tempDir, waitFor } from "../helpers.ts";
import { lockHolder } from "./lock-holder.ts";
import { GOLDEN_JSONL } from "./session.ts";

async function plugin(dir: string, config: Partial<ConfigInput>) {
  const warnings: string[] = [];
  const p = await EventLogPlugin.create({
    config: resolveConfig({ jsonl: "e.jsonl", db: "events.db", mirror: true, ...config }, dir),
    logger: { warn: (m) => warnings.push(m) },
  });
  return { plugin: p, warnings };
}

/** Hook calls until the ring was full once (a gap opened); how many milestones that took. */
function fillRing(p: EventLogPlugin): number {
  let n = 0;
  while (p.stats().durableGaps === 0) {
    if (n === 100_000) throw new Error("the ring never filled");
    p.onTick({ kind: "tick_start", tick: ++n, issues: [167] });
  }
  return n;
}

test("a full ring wakes the writer at once, not at its next mirrorFlushMs", async () => {
  const dir = tempDir();
  const { plugin: p, warnings } = await plugin(dir, { mirrorFlushMs: 60_000, ringBytes: 4096 });
  // Answered only once the writer's loop is waiting on its (one minute) timer.
  p.flush();
  const written = fillRing(p);
  // All but the gap's line were in the ring: only a wake gets them stored within the minute.
  await waitFor(
    "the ring's milestones stored",
    () => eventCount(join(dir, "events.db")) === 2 * (written - 1),
  ); // two events a tick_start
  p.close();
  expect(warnings).toEqual([]);
});

test("an idle runner's gap is announced without another write or flush", async () => {
  const dir = tempDir();
  const { plugin: p, warnings } = await plugin(dir, { mirrorFlushMs: 20, ringBytes: 4096 });
  const written = fillRing(p);
  await waitFor("every milestone stored", () => p.stats().mirror?.records === written);
  p.close();
  expect(warnings).toEqual([]);
  expect(p.stats()).toMatchObject({ queued: 0, durableFailed: 0, durableDropped: 0 });
});

test("unencodable records while the ring is full wait behind the gap; close hands all of them over", async () => {
  const dir = tempDir();
  const db = join(dir, "events.db");
  (await EventStore.open(db)).close();
  // The writer's first commit waits on this lock, so the ring stays full while we write.
  const holder = await lockHolder(db);
  const { plugin: p, warnings } = await plugin(dir, {
    mirrorFlushMs: 60_000,
    ringBytes: 4096,
    busyTimeoutMs: 120_000,
  });
  const written = fillRing(p);
  const unencodable = 100; // several rings' worth of frames
  for (let i = 0; i < unencodable; i++) {
    const m: Record<string, unknown> = { kind: "tick_start", tick: written + i + 1 };
    m.self = m;
    p.onTick(m as never);
  }
  await holder.release();
  p.close();
  const stats = p.stats();
  expect(stats).toMatchObject({ queued: 0, durableFailed: 0, durableDropped: 0 });
  expect(stats.mirror?.quarantined).toBe(unencodable);
  expect(stats.mirror?.records).toBe(written + unencodable);
  expect(warnings.filter((w) => w.includes("not stored") || w.includes("handed"))).toEqual([]);
}, 60_000);

test("the writer's thread dying right after it stored everything counts none of it lost", async () => {
  const dir = tempDir();
  const db = join(dir, "events.db");
  const { plugin: p } = await plugin(dir, { mirrorFlushMs: 0 });
  p.onTick({ kind: "tick_start", tick: 0, issues: [167] });
  await waitFor("the first report", () => p.stats().queued === 0);
  // Reported at most every STATS_EVERY_MS: the writer's report of these is still to come.
  for (let tick = 1; tick <= 20; tick++) p.onTick({ kind: "tick_start", tick, issues: [167] });
  await waitFor("all stored", () => eventCount(db) === 2 * 21); // two events a tick_start
  const link = (p as unknown as { durable: { link: { worker: Worker } } }).durable.link;
  await link.worker.terminate();
  await waitFor("the death noticed", () =>
    p.stats().durableError?.includes("worker thread stopped"),
  );
  expect(p.stats()).toMatchObject({ durableFailed: 0, queued: 0 });
  p.close();
});

test("the writer still reports its counts after close", async () => {
  const dir = tempDir();
  const settings = {
    ...resolveConfig({ jsonl: "e.jsonl", db: "events.db", mirror: true }, dir),
  } as WriterSettings;
  const sent: FromWriter[] = [];
  const writer = new DurableWriter(settings, await loadDriver(), (m) => sent.push(m));
  const item = () => ({ record: { ts: "2026-06-02T12:00:00Z", kind: "tick_idle", tick: 1 } });
  writer.accept([item()]);
  writer.accept([item()]); // within STATS_EVERY_MS of the first report: its stats wait
  writer.handle({ type: "close", id: 1 });
  writer.accept([item()]); // after close: given up on, and counted
  await waitFor("a report after close", () =>
    sent.some((m, i) => m.type === "stats" && m.stats.received === 3 && i > 0),
  );
});

test("the writer's idle step folds the projection, and writes nothing to a file replaced under it", async () => {
  const dir = tempDir();
  const settings = {
    ...resolveConfig({ jsonl: "e.jsonl", db: "events.db", mirror: true }, dir),
  } as WriterSettings;
  const writer = new DurableWriter(settings, await loadDriver(), () => {});
  const records = readFileSync(GOLDEN_JSONL, "utf8").split("\n").filter(Boolean);
  writer.accept(records.map((line) => ({ record: JSON.parse(line) })));
  const db = join(dir, "events.db");
  const other = await EventStore.open(db);
  writer.idle();
  expect(other.getCursor(TIMELINE_CURSOR)).toBe(other.latestSequence());
  // One more event, then the file is moved away: the writer still has the old one open.
  other.append("task.heartbeat", { issue: 167 }, { taskId: "issue:167", sagaId: "tick:9" });
  renameSync(db, join(dir, "moved.db"));
  writer.idle();
  expect(other.getCursor(TIMELINE_CURSOR)).toBe(other.latestSequence() - 1);
  writer.handle({ type: "close", id: 1 });
  other.close();
});
