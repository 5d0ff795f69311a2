/**
 * Three hosts, each its own local SQLite log fed from a legacy session with the same ticks and
 * issues, shipping at once into one PostgreSQL log; every shipper is killed with SIGKILL and
 * restarted several times, and PostgreSQL's connections are terminated mid-run.
 */
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { pgSourceTimelines } from "../../src/replay/pg-timelines.ts";
import { renderTimelines } from "../../src/replay/render-timeline.ts";
import { replayTimelines } from "../../src/replay/timeline-projection.ts";
import { loopOf } from "../../src/replay/timeline-state.ts";
import { STEP_DEADLINE_MS, shipCursorName } from "../../src/ship/shipper.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { joinLines, realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, MAIN, tempDir, waitFor } from "../helpers.ts";
import { adminQuery, dropSchemas, freshSchema } from "./pg-server.ts";

afterAll(dropSchemas);

const HOSTS = 3;
const FIRST = 900;
const MORE = 900;

interface Shipper {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  lines: string[];
  stderr: Promise<string>;
}

/** Fails at once, with its message, when a shipper exits by itself. */
function alive(s: Shipper): Promise<never> {
  return s.proc.exited.then(async (code) => {
    throw new Error(`a shipper exited with ${code}: ${await s.stderr}`);
  });
}

function startShipper(db: string, url: string, source: string): Shipper {
  const proc = Bun.spawn(
    [
      process.execPath,
      MAIN,
      "ship",
      "--db",
      db,
      "--to",
      url,
      "--follow",
      "--source",
      source,
      "--batch",
      "40",
      "--interval",
      "20",
      "--json",
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  const s: Shipper = { proc, lines: [], stderr: new Response(proc.stderr).text() };
  (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stdout) {
      rest += decoder.decode(chunk);
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      s.lines.push(...parts.filter(Boolean));
    }
  })();
  return s;
}

/**
 * A read-only look at a local log that a killed shipper or a mirror may be writing to or
 * recovering (its WAL replayed by the next opener): waits for their locks as our store does.
 */
function openLocal(db: string): Database {
  const d = new Database(db, { readonly: true });
  d.exec("PRAGMA busy_timeout = 10000");
  return d;
}

function localCursor(db: string, name: string): number {
  const d = openLocal(db);
  try {
    const row = d
      .query("SELECT sequence FROM projection_cursors WHERE projection_name = ?")
      .get(name) as { sequence: number } | null;
    return row?.sequence ?? 0;
  } finally {
    d.close();
  }
}

function localLatest(db: string): number {
  const d = openLocal(db);
  try {
    return (d.query("SELECT MAX(sequence) AS s FROM events").get() as { s: number | null }).s ?? 0;
  } finally {
    d.close();
  }
}

test("3 shippers, kill -9 and terminated backends: every event once, gapless, chained, timelines equal", async () => {
  const { url, schema } = await freshSchema("fleet");
  const dir = tempDir("fel-fleet-");
  const hosts = Array.from({ length: HOSTS }, (_, h) => ({
    jsonl: join(dir, `runner-${h}.jsonl`),
    db: join(dir, `runner-${h}.db`),
    source: `runner-${h}@host-${h}`,
  }));
  // Every host runs the same session: the same ticks and issues, so the same idempotency keys.
  for (const h of hosts) {
    writeLines(h.jsonl, realisticLines(FIRST));
    const r = await cli(["mirror", h.jsonl, "--db", h.db]);
    expect(r.code).toBe(0);
  }
  const cursor = shipCursorName(url);
  const shippers = hosts.map((h) => startShipper(h.db, url, h.source));

  let kills = 0;
  for (let round = 0; round < 3; round++) {
    for (const [i, h] of hosts.entries()) {
      const s = shippers[i] as Shipper;
      const seen = s.lines.length;
      // The local log grows while it ships, so each shipper has batches to ship before its kill.
      const from = FIRST + (round * MORE) / 3;
      appendFileSync(h.jsonl, joinLines(realisticLines(MORE / 3, from)));
      const mirrored = await cli(["mirror", h.jsonl, "--db", h.db]);
      expect(mirrored.code).toBe(0);
      // Killed only once it has shipped something since it started.
      await Promise.race([
        waitFor(`shipper ${i} to ship a batch`, () => s.lines.length > seen, 60_000),
        alive(s),
      ]);
      s.proc.kill("SIGKILL");
      await s.proc.exited;
      kills++;
      shippers[i] = startShipper(h.db, url, h.source);
    }
    if (round === 1) {
      const before = shippers.map((s) => s.lines.length);
      const terminated = await waitFor("a shipper's backend to terminate", async () => {
        const rows = await adminQuery<{ t: boolean }>(
          "SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE application_name = $1",
          [`forge-eventlog:${schema}`],
        );
        return rows.length > 0 ? rows.length : undefined;
      });
      expect(terminated).toBeGreaterThan(0);
      // Each shipper ships again after losing its connection.
      for (const [i, s] of shippers.entries()) {
        await Promise.race([
          alive(s),
          waitFor(
            `shipper ${i} to ship after the backends were terminated`,
            () =>
              s.lines.length > (before[i] ?? 0) ||
              localCursor(hosts[i]!.db, cursor) === localLatest(hosts[i]!.db),
            // A query the terminated backend left unanswered is given up after the deadline.
            STEP_DEADLINE_MS + 30_000,
          ),
        ]);
      }
    }
  }
  expect(kills).toBe(9);
  for (const h of hosts) {
    await waitFor(
      `${h.source} shipped to its end`,
      () => localCursor(h.db, cursor) === localLatest(h.db),
      120_000,
    );
  }
  for (const s of shippers) {
    s.proc.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
  }

  const pg = await PgEventStore.open(url, { readonly: true });
  try {
    let total = 0;
    for (const h of hosts) {
      const local = await EventStore.open(h.db, { readonly: true });
      try {
        const localEvents = [...local.since(0)];
        total += localEvents.length;
        const shipped: { event_id: string; source_sequence: number }[] = [];
        for await (const e of pg.sinceWithOrigin(0, { source: h.source })) {
          shipped.push({ event_id: e.event_id, source_sequence: e.source_sequence ?? -1 });
        }
        // Exactly once each, in the local order.
        expect(shipped).toEqual(
          localEvents.map((e) => ({ event_id: e.event_id, source_sequence: e.sequence })),
        );
        const set = await pgSourceTimelines(pg, h.source);
        const tasks = new Map([...set.tasks()].map((task) => [task.issue, task]));
        expect(renderTimelines({ tasks, loop: loopOf(set) })).toBe(
          renderTimelines(replayTimelines(local)),
        );
      } finally {
        local.close();
      }
    }
    expect(await pg.latestSequence()).toBe(total);
    const [counts] = await adminQuery<{ n: string; lo: string; hi: string }>(
      `SELECT COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi FROM ${schema}.events`,
    );
    expect([Number(counts?.n), Number(counts?.lo), Number(counts?.hi)]).toEqual([total, 1, total]);
    // The same key from three runners is three events, one per source.
    const [dup] = await adminQuery<{ n: string }>(
      `SELECT COUNT(*) AS n FROM (SELECT idempotency_key FROM ${schema}.events WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING COUNT(DISTINCT source) = ${HOSTS}) k`,
    );
    expect(Number(dup?.n)).toBeGreaterThan(100);
    const report = await pg.verify();
    expect(report.ok).toBe(true);
    expect(report.chainedChecked).toBe(total);
  } finally {
    await pg.close();
  }
});
