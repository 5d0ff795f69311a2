/**
 * `ship` into PostgreSQL against a plain batched INSERT ... ON CONFLICT DO NOTHING of the same
 * rows into an equivalent table, same run, alternated (ours first in odd rounds, the plain copy
 * first in even ones), each on a fresh schema; then 3 shippers at once beside 3 plain copies at
 * once. Prints median and [min..max] of each, and the ratio against its aim.
 * Options: --events N (default 300,000, about two minutes; the figure is
 * --events 1000000), --rounds N (3), --batch N (2000), --json.
 * Needs FORGE_EVENTLOG_PG_URL's server (default postgres://root@127.0.0.1:5432/test).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ship } from "../src/ship/shipper.ts";
import { EventStore } from "../src/store/event-store.ts";
import { PgEventStore } from "../src/store/pg/pg-store.ts";
import { createPlainTable, plainClient, plainCopy } from "./lib/plain-pg-copy.ts";
import { tempDir } from "./lib/temp-db.ts";
import { chunk, heartbeats } from "./lib/workload.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: "boolean", default: false },
    events: { type: "string", default: "300000" },
    rounds: { type: "string", default: "3" },
    batch: { type: "string", default: "2000" },
  },
});
const EVENTS = Number(args.events);
const ROUNDS = Math.max(3, Number(args.rounds));
const BATCH = Number(args.batch);
const AIM = 0.6;
const PG_URL = process.env.FORGE_EVENTLOG_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const CLI = join(import.meta.dir, "../src/cli/main.ts");
const PLAIN = join(import.meta.dir, "lib/plain-pg-copy.ts");

const admin = new Bun.SQL(PG_URL, { max: 1 });
const schemas: string[] = [];
async function freshSchema(): Promise<string> {
  const s = `fel_bench_${randomBytes(4).toString("hex")}`;
  await admin.unsafe(`CREATE SCHEMA ${s}`);
  schemas.push(s);
  return s;
}
const urlOf = (schema: string) => {
  const u = new URL(PG_URL);
  u.searchParams.set("schema", schema);
  return u.toString();
};
const say = (text: string) => {
  if (!args.json) console.error(text);
};

async function buildLog(file: string, count: number, offset: number): Promise<void> {
  const store = await EventStore.open(file);
  try {
    for (const part of chunk(heartbeats(count, offset), 5000)) store.appendBatch(part);
  } finally {
    store.close();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function oursOnce(db: string): Promise<number> {
  const schema = await freshSchema();
  const local = await EventStore.open(db);
  try {
    const seconds = await timed(() =>
      ship(local, {
        to: urlOf(schema),
        origin: { source: "bench", runner_id: null, host_id: null },
        follow: false,
        signal: new AbortController().signal,
        batchSize: BATCH,
      }),
    );
    const [r] = await admin.unsafe(`SELECT COUNT(*) AS n FROM ${schema}.events`);
    if (Number(r.n) !== EVENTS) throw new Error(`shipped ${r.n} of ${EVENTS}`);
    return EVENTS / seconds;
  } finally {
    local.close();
  }
}

async function plainOnce(db: string): Promise<number> {
  const schema = await freshSchema();
  const sql = plainClient(PG_URL, schema);
  try {
    await createPlainTable(sql);
    const seconds = await timed(() => plainCopy(sql, db, "bench", BATCH));
    return EVENTS / seconds;
  } finally {
    await sql.close();
  }
}

async function processes(commands: string[][]): Promise<number> {
  return timed(async () => {
    const procs = commands.map((cmd) =>
      Bun.spawn(cmd, { stdout: "ignore", stderr: "inherit", stdin: "ignore" }),
    );
    const codes = await Promise.all(procs.map((p) => p.exited));
    if (codes.some((c) => c !== 0)) throw new Error(`a process exited with ${codes.join(", ")}`);
  });
}

async function threeShippers(dbs: string[]): Promise<number> {
  const schema = await freshSchema();
  const url = urlOf(schema);
  const seconds = await processes(
    dbs.map((db, i) => [
      process.execPath,
      CLI,
      "ship",
      "--db",
      db,
      "--to",
      url,
      "--source",
      `bench-${i}`,
      "--batch",
      String(BATCH),
      "--quiet",
    ]),
  );
  return (dbs.length * Math.floor(EVENTS / dbs.length)) / seconds;
}

async function threePlain(dbs: string[]): Promise<number> {
  const schema = await freshSchema();
  const sql = plainClient(PG_URL, schema);
  await createPlainTable(sql);
  await sql.close();
  const per = Math.floor(EVENTS / dbs.length);
  const seconds = await processes(
    dbs.map((db, i) => [process.execPath, PLAIN, db, PG_URL, schema, String(i * per)]),
  );
  return (dbs.length * per) / seconds;
}

/**
 * Commit-to-printed latency of `tail --json` on `db`: `commit` appends one event and resolves
 * once it is committed; the next is appended only after tail printed the last. Milliseconds.
 */
async function tailLatencies(
  db: string,
  events: number,
  commit: (i: number) => Promise<void>,
): Promise<number[]> {
  // --last 0: only what is committed from now on (by default tail prints the last 10 first).
  const proc = Bun.spawn([process.execPath, CLI, "tail", "--db", db, "--json", "--last", "0"], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const nextLine = async (): Promise<void> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("tail ended");
      buffered += decoder.decode(value);
    }
    buffered = buffered.slice(buffered.indexOf("\n") + 1);
  };
  const err = proc.stderr.getReader();
  let stderr = "";
  while (!stderr.includes("following")) {
    const { value, done } = await err.read();
    if (done) throw new Error("tail ended before following");
    stderr += decoder.decode(value);
  }
  const out: number[] = [];
  try {
    for (let i = 0; i < events; i++) {
      await commit(i);
      const committed = performance.now();
      await nextLine();
      out.push(performance.now() - committed);
    }
  } finally {
    proc.kill();
    await proc.exited;
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const range = (xs: number[]) =>
  `${fmt.format(median(xs))} [${fmt.format(Math.min(...xs))}..${fmt.format(Math.max(...xs))}]`;

const tmp = tempDir("ship");
try {
  await admin`SELECT 1`.catch((e) => {
    throw new Error(
      `no PostgreSQL answers at ${PG_URL} (${e.message}); start one or set FORGE_EVENTLOG_PG_URL`,
    );
  });
  const one = tmp.file("one.db");
  const per = Math.floor(EVENTS / 3);
  const three = [0, 1, 2].map((i) => tmp.file(`three-${i}.db`));
  say(`building a ${fmt.format(EVENTS)}-event local log and three of ${fmt.format(per)} ...`);
  await buildLog(one, EVENTS, 0);
  for (const [i, db] of three.entries()) await buildLog(db, per, EVENTS + i * per);

  const ours: number[] = [];
  const plain: number[] = [];
  const ours3: number[] = [];
  const plain3: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ["ours", "plain"] : ["plain", "ours"];
    for (const side of order) {
      if (side === "ours") ours.push(await oursOnce(one));
      else plain.push(await plainOnce(one));
    }
    const order3 = r % 2 === 0 ? ["ours", "plain"] : ["plain", "ours"];
    for (const side of order3) {
      if (side === "ours") ours3.push(await threeShippers(three));
      else plain3.push(await threePlain(three));
    }
    say(
      `round ${r + 1}/${ROUNDS}: ship ${fmt.format(ours.at(-1) ?? 0)}/s, plain ${fmt.format(plain.at(-1) ?? 0)}/s, 3 shippers ${fmt.format(ours3.at(-1) ?? 0)}/s, 3 plain ${fmt.format(plain3.at(-1) ?? 0)}/s`,
    );
    for (const s of schemas.splice(0)) await admin.unsafe(`DROP SCHEMA ${s} CASCADE`);
  }
  // tail latency: PostgreSQL (LISTEN/NOTIFY) beside a SQLite file (data_version every 200 ms).
  const TAIL_EVENTS = 100;
  const pgTailSchema = await freshSchema();
  const pgTail = await PgEventStore.open(urlOf(pgTailSchema));
  const sqliteTailDb = tmp.file("tail.db");
  const sqliteTail = await EventStore.open(sqliteTailDb);
  const pgLat: number[] = [];
  const sqliteLat: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const sides = r % 2 === 0 ? ["pg", "sqlite"] : ["sqlite", "pg"];
      for (const side of sides) {
        if (side === "pg") {
          pgLat.push(
            ...(await tailLatencies(urlOf(pgTailSchema), TAIL_EVENTS, async (i) => {
              await pgTail.append("task.heartbeat", { i });
            })),
          );
        } else {
          sqliteLat.push(
            ...(await tailLatencies(sqliteTailDb, TAIL_EVENTS, async (i) => {
              sqliteTail.append("task.heartbeat", { i });
            })),
          );
        }
      }
    }
  } finally {
    await pgTail.close();
    sqliteTail.close();
  }
  const ms = (xs: number[]) =>
    `p50 ${median(xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  say(
    `tail latency (${ROUNDS * TAIL_EVENTS} events each): PostgreSQL ${ms(pgLat)}; SQLite ${ms(sqliteLat)}`,
  );

  const rows = [
    { figure: "ship, 1 shipper", events: EVENTS, ours, plain },
    { figure: "ship, 3 shippers at once", events: 3 * per, ours: ours3, plain: plain3 },
  ].map((f) => ({ ...f, ratio: median(f.ours) / median(f.plain), aim: AIM }));
  const tail = {
    events: pgLat.length,
    postgres_ms: { p50: median(pgLat), max: Math.max(...pgLat) },
    sqlite_ms: { p50: median(sqliteLat), max: Math.max(...sqliteLat) },
  };
  if (args.json) {
    console.log(JSON.stringify({ tail_latency: tail }));
    console.log(
      JSON.stringify(
        rows.map((r) => ({
          figure: r.figure,
          events: r.events,
          ours_per_s: r.ours,
          plain_per_s: r.plain,
          ratio: r.ratio,
          aim: r.aim,
          met: r.ratio >= r.aim,
        })),
      ),
    );
  } else {
    console.log(
      `\nship into PostgreSQL vs plain batched INSERT ... ON CONFLICT DO NOTHING (${ROUNDS} rounds alternated, median [min..max] events/s)`,
    );
    for (const r of rows) {
      console.log(
        `${r.figure.padEnd(26)} ${fmt.format(r.events).padStart(10)}  ship ${range(r.ours).padStart(28)}  plain ${range(r.plain).padStart(28)}  ratio ${r.ratio.toFixed(2)} (aim >= ${r.aim.toFixed(2)}, ${r.ratio >= r.aim ? "met" : "NOT met"})`,
      );
    }
    console.log(
      `tail latency, commit to printed (${tail.events} events): PostgreSQL (LISTEN/NOTIFY) ${ms(pgLat)}; peer: SQLite file (data_version every 200 ms) ${ms(sqliteLat)}`,
    );
  }
} finally {
  for (const s of schemas.splice(0)) await admin.unsafe(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.close();
  tmp.cleanup();
}
