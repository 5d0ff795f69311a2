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

test("the schema: the contract's columns, nullable source columns, its version recorded", async () => {
  const { url, schema } = await freshSchema("cols");
  await (await PgEventStore.open(url)).close();
  const columns = await adminQuery<{ column_name: string; is_nullable: string }>(
    "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' ORDER BY ordinal_position",
    [schema],
  );
  expect(columns.map((c) => c.column_name)).toEqual([
    "sequence",
    "event_id",
    "kind",
    "payload_json",
    "schema_version",
    "occurred_at",
    "task_id",
    "saga_id",
    "causal_event_id",
    "causal_sequence",
    "idempotency_key",
    "prev_hash",
    "event_hash",
    "source",
    "runner_id",
    "host_id",
    "source_sequence",
  ]);
  const nullable = columns.filter((c) => c.is_nullable === "YES").map((c) => c.column_name);
  for (const c of ["source", "runner_id", "host_id", "source_sequence"]) {
    expect(nullable).toContain(c);
  }
  const cursors = await adminQuery<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'projection_cursors' ORDER BY ordinal_position",
    [schema],
  );
  expect(cursors.map((c) => c.column_name)).toEqual(["projection_name", "sequence"]);
  const versions = await adminQuery<{ version: number }>(
    `SELECT version FROM ${schema}.forge_eventlog_schema`,
  );
  expect(versions).toEqual([{ version: 1 }]);
});
