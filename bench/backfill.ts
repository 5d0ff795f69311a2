/**
 * Backfill: a generated realistic legacy JSONL (default 1,000,000 lines: the demo session's
 * records over and over, each with its own ts and ticks) mirrored into a fresh database by
 * the real command, `forge-eventlog mirror`, in its own process: lines/s from its --json
 * summary, peak RSS from the OS. Once with two threads (the default) and once with one.
 * Beside it, in the same run, plain bun:sqlite inserting the same rows (read back from the
 * mirrored database, not timed) into the same schema, in transactions of the same size: the
 * floor any mirror pays for the contract's table. Aims: >= 150,000 lines/s, >= 0.5 of the
 * plain rate, peak RSS under 150 MB.
 * Options: --lines N, --json.
 */
import { Database } from "bun:sqlite";
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { runCli } from "../src/cli/framework/run.ts";
import { DEFAULT_BATCH_LINES } from "../src/follow/follower.ts";
import { MIGRATIONS } from "../src/store/migrations.ts";
import { writeLegacyLog } from "./lib/legacy-log.ts";
import { type Comparison, compare, formatTable } from "./lib/report.ts";
import { tempDir } from "./lib/temp-db.ts";

const AIM_LINES_PER_SECOND = 150_000;
const AIM_RATIO = 0.5;
const AIM_PEAK_RSS_MB = 150;
const COLUMNS = `event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id,
  causal_event_id, causal_sequence, idempotency_key, prev_hash, event_hash`;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lines: { type: "string", default: "1000000" },
    json: { type: "boolean", default: false },
    "plain-child": { type: "boolean", default: false },
    "mirror-child": { type: "boolean", default: false },
  },
});

if (args["plain-child"]) {
  const [from, to, rowsPerBatch] = positionals;
  console.log(JSON.stringify(plainInsert(from ?? "", to ?? "", Number(rowsPerBatch))));
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
  const tmp = tempDir("backfill");
  try {
    const file = tmp.file("events.jsonl");
    writeLegacyLog(file, lines);
    const threaded = await mirror(file, tmp.file("threads.db"), []);
    const single = await mirror(file, tmp.file("one-thread.db"), ["--no-threads"]);
    const plain = await plainChild(tmp.file("threads.db"), tmp.file("plain.db"), threaded, lines);
    report(lines, statSync(file).size, threaded, single, plain);
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

async function plainChild(from: string, to: string, ours: MirrorRun, lines: number) {
  const rowsPerBatch = Math.max(1, Math.round((ours.events / lines) * DEFAULT_BATCH_LINES));
  const proc = Bun.spawn(
    [process.execPath, import.meta.path, "--plain-child", from, to, String(rowsPerBatch)],
    { stdout: "pipe", stderr: "inherit" },
  );
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error("plain insert failed");
  return JSON.parse(out.trim()) as PlainRun;
}

/**
 * bun:sqlite alone: the contract schema (the store's migrations), WAL and synchronous NORMAL
 * as the store opens it, one cached INSERT, the mirrored rows in sequence order. Only the
 * insert transactions are timed.
 */
function plainInsert(from: string, to: string, rowsPerBatch: number): PlainRun {
  const source = new Database(from, { readonly: true, strict: true });
  const db = new Database(to, { create: true, readwrite: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  for (const m of MIGRATIONS) db.exec(m.sql);
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

function report(
  lines: number,
  bytes: number,
  threaded: MirrorRun,
  single: MirrorRun,
  plain: PlainRun,
) {
  if (plain.rows !== threaded.events)
    throw new Error(`plain copied ${plain.rows} of ${threaded.events} rows`);
  const plainLinesPerSecond = lines / plain.seconds;
  const rows: Comparison[] = [
    compare(
      "mirror, 2 threads (default), lines/s",
      lines,
      threaded.linesPerSecond,
      plainLinesPerSecond,
      AIM_RATIO,
    ),
    compare(
      "mirror, 1 thread (--no-threads), lines/s",
      lines,
      single.linesPerSecond,
      plainLinesPerSecond,
      AIM_RATIO,
    ),
  ];
  const runs = { "2 threads": threaded, "1 thread": single };
  if (args.json) {
    console.log(
      JSON.stringify(
        {
          bench: "backfill",
          runtime: `bun ${Bun.version}`,
          lines,
          bytes,
          events: threaded.events,
          plain: { rows: plain.rows, seconds: plain.seconds, linesPerSecond: plainLinesPerSecond },
          runs,
          rows,
          aims: {
            linesPerSecond: AIM_LINES_PER_SECOND,
            ratio: AIM_RATIO,
            peakRssMb: AIM_PEAK_RSS_MB,
          },
        },
        null,
        2,
      ),
    );
    return;
  }
  const mb = (bytes / 1048576).toFixed(0);
  console.log(
    `backfill benchmark: bun ${Bun.version}, ${lines} lines (${mb} MiB) -> ${threaded.events} events; plain = bun:sqlite inserting the same rows, ${Math.round(plain.rows / plain.seconds)} rows/s\n`,
  );
  console.log(formatTable(rows));
  console.log("");
  for (const [name, run] of Object.entries(runs)) {
    const fast = run.linesPerSecond >= AIM_LINES_PER_SECOND ? "met" : "NOT met";
    const small = run.peakRssMb < AIM_PEAK_RSS_MB ? "met" : "NOT met";
    console.log(
      `${name}: ${Math.round(run.linesPerSecond)} lines/s in ${run.seconds.toFixed(1)} s (aim ${AIM_LINES_PER_SECOND}: ${fast}); peak RSS ${run.peakRssMb.toFixed(0)} MB (aim < ${AIM_PEAK_RSS_MB}: ${small})`,
    );
  }
}
