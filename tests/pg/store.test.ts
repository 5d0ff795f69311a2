import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { REPO } from "../helpers.ts";
import { adminQuery, dropSchemas, freshSchema } from "./pg-server.ts";

afterAll(dropSchemas);

const WORKER = join(REPO, "tests/fixtures/pg-append-worker.ts");

test("many writers at once: sequence gapless and in commit order, the chain verifies", async () => {
  const { url, schema } = await freshSchema("conc");
  (await PgEventStore.open(url)).close();
  const writers = 4;
  const batches = 40;
  const procs = Array.from({ length: writers }, (_, w) =>
    Bun.spawn([process.execPath, WORKER, url, String(w), String(batches)], {
      stdout: "inherit",
      stderr: "inherit",
    }),
  );
  // Meanwhile a reader checks that what it sees is always a prefix 1..N: a commit never
  // makes a lower sequence visible after a higher one.
  let observations = 0;
  let running = true;
  const exits = Promise.all(procs.map((p) => p.exited)).finally(() => {
    running = false;
  });
  while (running) {
    const [r] = await adminQuery<{ n: string; hi: string | null }>(
      `SELECT COUNT(*) AS n, MAX(sequence) AS hi FROM ${schema}.events`,
    );
    expect(Number(r?.n)).toBe(Number(r?.hi ?? 0));
    observations++;
  }
  expect(await exits).toEqual(Array(writers).fill(0));
  expect(observations).toBeGreaterThan(0);
  const store = await PgEventStore.open(url, { readonly: true });
  try {
    const seqs: number[] = [];
    for await (const e of store.since(0)) seqs.push(e.sequence);
    expect(seqs.length).toBe(writers * batches * 5);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
    const report = await store.verify();
    expect(report.ok).toBe(true);
    expect(report.chainedChecked).toBe(writers * batches * 5);
  } finally {
    await store.close();
  }
});
