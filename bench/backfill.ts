/**
 * Backfill: a generated realistic legacy JSONL (default 200,000 lines; the RSS aim is
 * about --lines 1000000) mirrored into a fresh database by the real command,
 * `forge-eventlog mirror`, in its own process: lines/s from its --json summary, peak RSS from
 * the OS; with two threads (the default) and with one. Beside it, in the same run: the floor,
 * plain bun:sqlite inserting the same rows (read back from a mirrored database, not timed)
 * into the same schema, in transactions of the same size, with the backfill's connection
 * settings (BULK_WRITE_PRAGMAS; SQLite's defaults printed as an extra line); and the peer, Debian's sqlite-utils
 * (`sqlite-utils insert db events file.jsonl --nl`, installed with apt-get when missing,
 * printed as missing if it cannot be), timed whole. Each side on a fresh file, --rounds rounds
 * (at least 3) rotated, median [min..max]. Aims: >= 0.6 of plain, >= 3x sqlite-utils, peak RSS
 * <= 150 MB (at 1M lines).
 * Options: --lines N, --rounds N, --json.
 */
import { Database } from "bun:sqlite";
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { runCli } from "../src/cli/framework/run.ts";
import { DEFAULT_BATCH_LINES } from "../src/follow/follower.ts";
import { BULK_WRITE_PRAGMAS } from "../src/store/bulk-writes.ts";
import { EventStore } from "../src/store/event-store.ts";
import { writeLegacyLog } from "./lib/legacy-log.ts";
import { debianCommand } from "./lib/peers.ts";
import { alternate, type Spread, showSpread, spread, table } from "./lib/spread.ts";
import { tempDir } from "./lib/temp-db.ts";

const AIM_VS_PLAIN = 0.6;
const AIM_VS_SQLITE_UTILS = 3;
const AIM_PEAK_RSS_MB = 150;
const COLUMNS = `event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id,
  causal_event_id, causal_sequence, idempotency_key, prev_hash, event_hash`;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lines: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
    "plain-child": { type: "boolean", default: false },
    "mirror-child": { type: "boolean", default: false },
  },
});

if (args["plain-child"]) {
  const [from, to, rowsPerBatch, settings] = positionals;
  // The same schema as ours: the store's own migrations, then bun:sqlite alone.
  (await EventStore.open(to ?? "", { create: true })).close();
  const pragmas = settings === "defaults" ? [] : BULK_WRITE_PRAGMAS;
  console.log(JSON.stringify(plainInsert(from ?? "", to ?? "", Number(rowsPerBatch), pragmas)));
} else if (args["mirror-child"]) {
  await mirrorChild(positionals);
} else {
  await main();
}

/**
 * The command, in this process, then its peak RSS. Read from VmHWM: the rusage maxRSS of a
 * spawned process also counts the parent's resident memory at the spawn (vfork + exec).
 */
async function mirrorChild(argv: string[]): Promise<void> {
  const { default: command } = await import("../src/cli/mirror.ts");
  const code = await runCli(command, argv);
  const status = readFileSync("/proc/self/status", "utf8");
  const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
  console.log(JSON.stringify({ peakRssKb: hwm ? Number(hwm) : process.resourceUsage().maxRSS }));
  process.exitCode = code;
}

async function main(): Promise<void> {
  const lines = Number(args.lines);
  const rounds = Math.max(3, Number(args.rounds));
  const tmp = tempDir("backfill");
  try {
    const file = tmp.file("events.jsonl");
    writeLegacyLog(file, lines);
    const source = tmp.file("source.db");
    const first = await mirror(file, source, []);
    const sqliteUtils = debianCommand("sqlite-utils", "sqlite-utils");
    let n = 0;
    const fresh = (name: string) => tmp.file(`${name}-${n++}.db`);
    const r = await alternate(rounds, {
      threaded: () => mirror(file, fresh("threads"), []),
      single: () => mirror(file, fresh("one-thread"), ["--no-threads"]),
      plain: () => plainRate(source, fresh("plain"), first, lines, "bulk"),
      plainDefaults: () => plainRate(source, fresh("plain-defaults"), first, lines, "defaults"),
      sqliteUtils: async () => {
        if (!("ok" in sqliteUtils)) return 0;
        const started = performance.now();
        const proc = Bun.spawn(
          [sqliteUtils.ok, "insert", fresh("sqlite-utils"), "events", file, "--nl"],
          { stdout: "ignore", stderr: "pipe" },
        );
        const err = await new Response(proc.stderr).text();
        if ((await proc.exited) !== 0) throw new Error(`sqlite-utils insert failed: ${err}`);
        return lines / ((performance.now() - started) / 1000);
      },
    });
    report({
      lines,
      bytes: statSync(file).size,
      events: first.events,
      rounds,
      threaded: r.threaded,
      single: r.single,
      plain: spread(r.plain),
      plainDefaults: spread(r.plainDefaults),
      sqliteUtils: "ok" in sqliteUtils ? spread(r.sqliteUtils) : sqliteUtils,
    });
  } finally {
    tmp.cleanup();
  }
}

interface MirrorRun {
  linesPerSecond: number;
  events: number;
  peakRssMb: number;
  seconds: number;
}

/** `forge-eventlog mirror file --db db --json` in a process of its own. */
async function mirror(file: string, db: string, extra: string[]): Promise<MirrorRun> {
  const argv = [file, "--db", db, "--json", "--quiet", ...extra];
  const proc = Bun.spawn([process.execPath, import.meta.path, "--mirror-child", "--", ...argv], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`mirror ${extra.join(" ")} failed`);
  const [summaryLine, rssLine] = out.trim().split("\n");
  const summary = JSON.parse(summaryLine ?? "") as {
    lines_read: number;
    events_appended: number;
    elapsed_ms: number;
  };
  const seconds = summary.elapsed_ms / 1000;
  return {
    linesPerSecond: summary.lines_read / seconds,
    events: summary.events_appended,
    peakRssMb: (JSON.parse(rssLine ?? "") as { peakRssKb: number }).peakRssKb / 1024,
    seconds,
  };
}

interface PlainRun {
  rows: number;
  seconds: number;
}

/**
 * Lines/s of plain inserts in a process of their own: with the backfill's connection settings
 * (`bulk`, like for like with ours) or with SQLite's defaults.
 */
async function plainRate(
  from: string,
  to: string,
  ours: MirrorRun,
  lines: number,
  settings: "bulk" | "defaults",
): Promise<number> {
  const rowsPerBatch = Math.max(1, Math.round((ours.events / lines) * DEFAULT_BATCH_LINES));
  const proc = Bun.spawn(
    [process.execPath, import.meta.path, "--plain-child", from, to, String(rowsPerBatch), settings],
    { stdout: "pipe", stderr: "inherit" },
  );
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error("plain insert failed");
  const p = JSON.parse(out.trim()) as PlainRun;
  if (p.rows !== ours.events) throw new Error(`plain copied ${p.rows} of ${ours.events}`);
  return lines / p.seconds;
}

/**
 * bun:sqlite alone: the contract schema (the store's migrations), WAL and synchronous NORMAL
 * as the store opens it, `pragmas` after them, one cached INSERT, the mirrored rows in
 * sequence order. Only the insert transactions are timed.
 */
function plainInsert(
  from: string,
  to: string,
  rowsPerBatch: number,
  pragmas: readonly string[],
): PlainRun {
  const source = new Database(from, { readonly: true, strict: true });
  const db = new Database(to, { create: true, readwrite: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  for (const pragma of pragmas) db.exec(pragma);
  const read = source.prepare(
    `SELECT sequence, ${COLUMNS} FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?`,
  );
  const insert = db.prepare(
    `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  type Row = { sequence: number } & Record<string, string | number | null>;
  const write = db.transaction((rows: Row[]) => {
    for (const r of rows) {
      insert.run(
        r.event_id ?? null,
        r.kind ?? null,
        r.payload_json ?? null,
        r.schema_version ?? null,
        r.occurred_at ?? null,
        r.task_id ?? null,
        r.saga_id ?? null,
        r.causal_event_id ?? null,
        r.causal_sequence ?? null,
        r.idempotency_key ?? null,
        r.prev_hash ?? null,
        r.event_hash ?? null,
      );
    }
  });
  let after = 0;
  let rows = 0;
  let seconds = 0;
  for (;;) {
    const batch = read.all(after, rowsPerBatch) as Row[];
    if (batch.length === 0) break;
    const started = performance.now();
    write(batch);
    seconds += (performance.now() - started) / 1000;
    rows += batch.length;
    after = (batch.at(-1) as Row).sequence;
  }
  db.close();
  source.close();
  return { rows, seconds };
}

interface Result {
  lines: number;
  bytes: number;
  events: number;
  rounds: number;
  threaded: MirrorRun[];
  single: MirrorRun[];
  /** lines/s, with the backfill's connection settings */
  plain: Spread;
  /** lines/s, with SQLite's defaults */
  plainDefaults: Spread;
  sqliteUtils: Spread | { missing: string };
}

function report(res: Result): void {
  const rate = (runs: MirrorRun[]) => spread(runs.map((x) => x.linesPerSecond));
  const rss = (runs: MirrorRun[]) => spread(runs.map((x) => x.peakRssMb));
  const sides = { "2 threads (default)": res.threaded, "1 thread (--no-threads)": res.single };
  if (args.json) {
    const runs = Object.fromEntries(
      Object.entries(sides).map(([k, v]) => [k, { linesPerSecond: rate(v), peakRssMb: rss(v) }]),
    );
    console.log(
      JSON.stringify(
        {
          bench: "backfill",
          runtime: `bun ${Bun.version}`,
          ...res,
          threaded: undefined,
          single: undefined,
          runs,
          aims: {
            vsPlain: AIM_VS_PLAIN,
            vsSqliteUtils: AIM_VS_SQLITE_UTILS,
            peakRssMb: AIM_PEAK_RSS_MB,
          },
        },
        null,
        2,
      ),
    );
    return;
  }
  const su = res.sqliteUtils;
  const met = (ok: boolean) => (ok ? "yes" : "NO");
  const body: string[][] = [];
  for (const [name, runs] of Object.entries(sides)) {
    const ours = rate(runs);
    body.push([
      `mirror, ${name}`,
      showSpread(ours, 0),
      showSpread(res.plain, 0),
      (ours.median / res.plain.median).toFixed(2),
      `>= ${AIM_VS_PLAIN}: ${met(ours.median / res.plain.median >= AIM_VS_PLAIN)}`,
      "missing" in su ? `missing: ${su.missing}` : showSpread(su, 0),
      "missing" in su ? "-" : (ours.median / su.median).toFixed(2),
      "missing" in su
        ? `>= ${AIM_VS_SQLITE_UTILS}: unknown`
        : `>= ${AIM_VS_SQLITE_UTILS}: ${met(ours.median / su.median >= AIM_VS_SQLITE_UTILS)}`,
    ]);
  }
  const mb = (res.bytes / 1048576).toFixed(0);
  console.log(
    `\nbench/backfill.ts: bun ${Bun.version}, ${res.lines} lines (${mb} MiB) -> ${res.events} events, ${res.rounds} rounds rotated, lines/s median [min..max]\n`,
  );
  console.log(
    table(
      [
        "path",
        "ours",
        "floor: plain bun:sqlite",
        "/plain",
        "aim",
        "peer: sqlite-utils insert --nl",
        "/peer",
        "aim",
      ],
      body,
    ),
  );
  const defaults = res.plainDefaults;
  console.log(
    `\nthe floor above uses the backfill's connection settings (${BULK_WRITE_PRAGMAS.join("; ")}); plain bun:sqlite with SQLite's defaults: ${showSpread(defaults, 0)} lines/s (2 threads / it: ${(rate(res.threaded).median / defaults.median).toFixed(2)})`,
  );
  console.log("");
  for (const [name, runs] of Object.entries(sides)) {
    const peak = rss(runs);
    console.log(
      `peak RSS, ${name}: ${showSpread(peak, 0)} MB (aim <= ${AIM_PEAK_RSS_MB} MB at 1M lines: ${peak.median <= AIM_PEAK_RSS_MB ? "met" : "NOT met"} at ${res.lines} lines)`,
    );
  }
}
