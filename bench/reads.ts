/**
 * Reads of a big log: a realistic legacy JSONL (default 200,000 lines, about 272,000 events;
 * the 1.36M events is --lines 1000000) mirrored into a fresh database by the real
 * `forge-eventlog mirror`, then, each command in its own process, alternated over --rounds
 * rounds (at least 3) with its floor or peer, printed as median [min..max] and the ratio:
 *   timeline --json (seconds, peak RSS)  beside  stats --json              aim <= 1 s, <= 100 MB
 *     three times: on a fresh copy of the log (its stored projection catches up from the first
 *     event and is written), again on the log whose projection is up to date, and on a copy
 *     as another writer leaves it (only its events and cursors, schema 0: never written to)
 *     whose projection is in the timeline cache; then on the log shipped into PostgreSQL
 *     (FORGE_EVENTLOG_PG_URL's server, a schema of its own), every source folded from its
 *     first event and from the cache, beside `stats` on it (left out, and said, without one)
 *   verify                               beside  sqlite3 'PRAGMA integrity_check'   aim <= 2x
 *   replay --json                        beside  sqlite3 -json 'SELECT * FROM events' aim <= 1.3x
 * and the database's bytes (db + wal after a checkpoint) over the JSONL's, aim <= 3x.
 * sqlite3 is Debian's CLI, installed with apt-get when missing (printed as missing if not).
 * Options: --lines N, --rounds N, --json.
 */
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeLegacyLog } from "./lib/legacy-log.ts";
import { debianCommand } from "./lib/peers.ts";
import { alternate, type Spread, showSpread, spread, table } from "./lib/spread.ts";
import { tempDir } from "./lib/temp-db.ts";

const { values: args } = parseArgs({
  options: {
    lines: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const LINES = Number(args.lines);
const ROUNDS = Math.max(3, Number(args.rounds));
const RSS = join(import.meta.dir, "../tests/fixtures/cli-max-rss.ts");
const PG_URL = process.env.FORGE_EVENTLOG_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const AIM = { timelineS: 1, timelineMb: 100, verify: 2, replay: 1.3, size: 3 };

interface Run {
  seconds: number;
  /** Peak resident memory of the command's process (VmHWM), when measured. */
  rssMb: number;
}

/** `forge-eventlog <argv>` in a process of its own, stdout to /dev/null. */
async function cli(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const start = performance.now();
  const proc = Bun.spawn([process.execPath, RSS, ...argv], {
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const stderr = await new Response(proc.stderr).text();
  const code = await proc.exited;
  const seconds = (performance.now() - start) / 1000;
  if (code !== 0) throw new Error(`forge-eventlog ${argv.join(" ")} exited ${code}: ${stderr}`);
  const kb = Number(/max_rss_kb (\d+)/.exec(stderr)?.[1] ?? 0);
  return { seconds, rssMb: kb / 1024 };
}

/** A command other than ours, stdout to /dev/null; fails if it prints an error. */
async function external(argv: string[], expect?: string): Promise<Run> {
  const start = performance.now();
  const proc = Bun.spawn(argv, { stdout: expect ? "pipe" : "ignore", stderr: "pipe" });
  const out = expect ? await new Response(proc.stdout as ReadableStream).text() : "";
  const stderr = await new Response(proc.stderr).text();
  const code = await proc.exited;
  const seconds = (performance.now() - start) / 1000;
  if (code !== 0 || stderr.trim() !== "" || (expect && out.trim() !== expect))
    throw new Error(`${argv.join(" ")} exited ${code}: ${stderr}${out.slice(0, 200)}`);
  return { seconds, rssMb: 0 };
}

interface Row {
  path: string;
  ours: Spread;
  against: string;
  peer: Spread | { missing: string };
  unit: string;
  ratio: number | undefined;
  aim: string;
  met: boolean | undefined;
}

const tmp = tempDir("reads");
try {
  const started = performance.now();
  const jsonl = tmp.file("events.jsonl");
  const db = tmp.file("events.db");
  if (!args.json)
    process.stderr.write(`building a ${LINES}-line log with forge-eventlog mirror ...\n`);
  writeLegacyLog(jsonl, LINES);
  const built = await cli(["mirror", jsonl, "--db", db, "--quiet"]);
  const handle = new Database(db, { readwrite: true });
  handle.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const events = (handle.query("SELECT count(*) AS n FROM events").get() as { n: number }).n;
  handle.close();
  const bytes = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const dbBytes = bytes(db) + bytes(`${db}-wal`);
  const jsonlBytes = bytes(jsonl);

  const sqlite3 = debianCommand("sqlite3", "sqlite3");
  const rows: Row[] = [];

  let copies = 0;
  const pristine = tmp.file("pristine.db");
  copyFileSync(db, pristine);
  await cli(["timeline", "--db", db, "--json", "--quiet"]); // brings its projection up to date
  // Another writer's log: the contract's tables alone, at schema version 0.
  const foreign = tmp.file("foreign.db");
  copyFileSync(pristine, foreign);
  const other = new Database(foreign, { readwrite: true });
  const ours = other.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  for (const { name } of ours) {
    if (!["events", "projection_cursors", "sqlite_sequence"].includes(name)) {
      other.exec(`DROP TABLE ${name}`);
    }
  }
  other.exec("PRAGMA user_version = 0");
  other.close();
  const cache = { FORGE_EVENTLOG_CACHE_DIR: tmp.file("cache") };
  await cli(["timeline", "--db", foreign, "--json", "--quiet"], cache); // fills its cache
  const tl = await alternate(ROUNDS, {
    cold: () => {
      const copy = tmp.file(`cold-${copies++}.db`);
      copyFileSync(pristine, copy);
      return cli(["timeline", "--db", copy, "--json", "--quiet"]);
    },
    warm: () => cli(["timeline", "--db", db, "--json", "--quiet"]),
    cached: () => cli(["timeline", "--db", foreign, "--json", "--quiet"], cache),
    floor: () => cli(["stats", "--db", db, "--json", "--quiet"]),
  });
  /** The time and peak RSS rows of timeline runs, beside the `stats` runs of the same rounds. */
  const timelineRows = (label: string, runs: Run[], floor: Run[], against = "stats --json") => {
    const stS = spread(floor.map((r) => r.seconds));
    const stMb = spread(floor.map((r) => r.rssMb));
    const s = spread(runs.map((r) => r.seconds));
    const mb = spread(runs.map((r) => r.rssMb));
    rows.push({
      path: `timeline --json (${label}), time`,
      ours: s,
      against,
      peer: stS,
      unit: "s",
      ratio: s.median / stS.median,
      aim: `<= ${AIM.timelineS} s`,
      met: s.median <= AIM.timelineS,
    });
    rows.push({
      path: `timeline --json (${label}), peak RSS`,
      ours: mb,
      against,
      peer: stMb,
      unit: "MB",
      ratio: mb.median / stMb.median,
      aim: `<= ${AIM.timelineMb} MB`,
      met: mb.median <= AIM.timelineMb,
    });
  };
  timelineRows("fresh copy, projection from 0", tl.cold, tl.floor);
  timelineRows("projection up to date", tl.warm, tl.floor);
  timelineRows("another writer's log, from the cache", tl.cached, tl.floor);

  // The same log shipped into PostgreSQL (a schema of its own, dropped after).
  const schema = `bench_reads_${process.pid}`;
  const pg = `${PG_URL}?schema=${schema}`;
  const shipped = await cli(["ship", "--db", db, "--to", pg, "--quiet"]).then(
    () => true,
    (e: Error) => {
      process.stderr.write(`PostgreSQL rows left out: ${e.message.split("\n")[0]}\n`);
      return false;
    },
  );
  if (shipped) {
    try {
      const pgCache = { FORGE_EVENTLOG_CACHE_DIR: tmp.file("pg-cache") };
      await cli(["timeline", "--db", pg, "--json", "--quiet"], pgCache); // fills its cache
      const onPg = await alternate(ROUNDS, {
        cold: () => cli(["timeline", "--db", pg, "--json", "--quiet", "--no-cache"]),
        cached: () => cli(["timeline", "--db", pg, "--json", "--quiet"], pgCache),
        floor: () => cli(["stats", "--db", pg, "--json", "--quiet"]),
      });
      const against = "stats --json, PostgreSQL";
      timelineRows("PostgreSQL, each source from 0", onPg.cold, onPg.floor, against);
      timelineRows("PostgreSQL, from the cache", onPg.cached, onPg.floor, against);
    } finally {
      const admin = new Bun.SQL(PG_URL, { max: 1 });
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  }

  const peerRow = async (
    path: string,
    ours: string[],
    against: string,
    peer: (bin: string) => string[],
    aim: number,
    expect?: string,
  ) => {
    if ("missing" in sqlite3) {
      const r = await alternate(ROUNDS, { ours: () => cli(ours) });
      rows.push({
        path,
        ours: spread(r.ours.map((x) => x.seconds)),
        against,
        peer: { missing: sqlite3.missing },
        unit: "s",
        ratio: undefined,
        aim: `<= ${aim}x`,
        met: undefined,
      });
      return;
    }
    const bin = sqlite3.ok;
    const r = await alternate(ROUNDS, {
      ours: () => cli(ours),
      peer: () => external(peer(bin), expect),
    });
    const o = spread(r.ours.map((x) => x.seconds));
    const p = spread(r.peer.map((x) => x.seconds));
    rows.push({
      path,
      ours: o,
      against,
      peer: p,
      unit: "s",
      ratio: o.median / p.median,
      aim: `<= ${aim}x`,
      met: o.median / p.median <= aim,
    });
  };
  await peerRow(
    "verify",
    ["verify", "--db", db, "--quiet"],
    "sqlite3 PRAGMA integrity_check",
    (bin) => [bin, db, "PRAGMA integrity_check"],
    AIM.verify,
    "ok",
  );
  await peerRow(
    "replay --json",
    ["replay", "--db", db, "--json", "--quiet"],
    "sqlite3 -json SELECT * FROM events",
    (bin) => [bin, "-json", db, "SELECT * FROM events"],
    AIM.replay,
  );
  const sizeRatio = dbBytes / jsonlBytes;
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

  const result = {
    bench: "reads",
    runtime: `bun ${Bun.version}`,
    lines: LINES,
    events,
    rounds: ROUNDS,
    build_seconds: built.seconds,
    jsonl_bytes: jsonlBytes,
    db_bytes: dbBytes,
    size_ratio: sizeRatio,
    size_met: sizeRatio <= AIM.size,
    rows,
  };
  if (args.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const body = rows.map((r) => [
      r.path,
      `${showSpread(r.ours, r.unit === "MB" ? 0 : 2)} ${r.unit}`,
      r.against,
      "missing" in r.peer
        ? `missing: ${r.peer.missing}`
        : `${showSpread(r.peer, r.unit === "MB" ? 0 : 2)} ${r.unit}`,
      r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}x`,
      r.aim,
      r.met === undefined ? "unknown" : r.met ? "yes" : "NO",
    ]);
    body.push([
      "database size",
      mib(dbBytes),
      "the JSONL it came from",
      mib(jsonlBytes),
      `${sizeRatio.toFixed(2)}x`,
      `<= ${AIM.size}x`,
      sizeRatio <= AIM.size ? "yes" : "NO",
    ]);
    console.log(
      `\nbench/reads.ts: bun ${Bun.version}, ${LINES} legacy lines -> ${events} events (mirror ${built.seconds.toFixed(1)} s), ${ROUNDS} rounds alternated, median [min..max]\n`,
    );
    console.log(
      table(["path", "ours", "floor / peer", "its figure", "ours/it", "aim", "met"], body),
    );
    console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  }
} finally {
  tmp.cleanup();
}
