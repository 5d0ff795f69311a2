import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import { spawnChild } from "./child-process.ts";

const WORKER = join(import.meta.dir, "../fixtures/store-append-worker.ts");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "forge-eventlog-concurrency-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Outcomes = { appended: number; duplicate: number; conflict: number };

/** Starts the workers on a fresh file, lets them go at once, and returns their outcome counts. */
async function runWorkers(
  db: string,
  names: readonly string[],
  count: number,
  mode: "unique" | "shared",
): Promise<Outcomes[]> {
  const children = names.map((name) => spawnChild(WORKER, [db, name, String(count), mode]));
  try {
    await Promise.all(children.map((c) => c.waitFor("ready\n")));
    for (const c of children) c.send("go");
    const results = await Promise.all(children.map((c) => c.finish()));
    return results.map((r, i) => {
      expect(r.stderr.toLowerCase()).not.toContain("locked");
      expect({ worker: names[i], exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        worker: names[i],
        exitCode: 0,
        stderr: "",
      });
      return JSON.parse(r.stdout.split("\n").at(-2) ?? "") as Outcomes;
    });
  } finally {
    for (const c of children) c.kill();
  }
}

test("4 processes x 2,000 single appends to one fresh file: 1..8000, no gap, chain verifies", async () => {
  const db = join(dir, "events.db");
  const names = ["w0", "w1", "w2", "w3"];
  const outcomes = await runWorkers(db, names, 2_000, "unique");
  expect(outcomes).toEqual(names.map(() => ({ appended: 2_000, duplicate: 0, conflict: 0 })));

  const store = await EventStore.open(db, { readonly: true });
  try {
    const events = [...store.since(0)];
    expect(events.length).toBe(8_000);
    expect(store.latestSequence()).toBe(8_000);
    expect(events.every((e, i) => e.sequence === i + 1)).toBe(true);
    const seen = new Set<string>();
    const perWorker = new Map<string, number>();
    for (const e of events) {
      const { worker, i } = e.payload as { worker: string; i: number };
      expect(e.idempotency_key).toBe(`${worker}-${i}`);
      seen.add(`${worker}-${i}`);
      perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
    }
    expect(seen.size).toBe(8_000);
    expect(Object.fromEntries(perWorker)).toEqual({ w0: 2_000, w1: 2_000, w2: 2_000, w3: 2_000 });
    const report = store.verify();
    expect(report.firstBadSequence).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.eventsChecked).toBe(8_000);
  } finally {
    store.close();
  }
});

test("two processes appending the same idempotency keys at once store each key once", async () => {
  const db = join(dir, "events.db");
  const outcomes = await runWorkers(db, ["a", "b"], 1_000, "shared");
  const appended = outcomes.reduce((n, o) => n + o.appended, 0);
  const duplicate = outcomes.reduce((n, o) => n + o.duplicate, 0);
  expect({ appended, duplicate, conflict: outcomes[0]!.conflict + outcomes[1]!.conflict }).toEqual({
    appended: 1_000,
    duplicate: 1_000,
    conflict: 0,
  });

  const store = await EventStore.open(db, { readonly: true });
  try {
    const keys = [...store.since(0)].map((e) => e.idempotency_key);
    expect(keys.length).toBe(1_000);
    expect(new Set(keys).size).toBe(1_000);
    expect(store.verify().ok).toBe(true);
  } finally {
    store.close();
  }
});
