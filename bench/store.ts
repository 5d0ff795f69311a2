/**
 * forge-eventlog's store against plain bun:sqlite, same machine, same run: single appends
 * (autocommit, synchronous NORMAL), batched appends, and replay with payloads parsed.
 * Both sides run in alternating chunks on fresh files (see lib/measure.ts).
 * Prints a table, or JSON with --json. Options: --single N, --batched N, --batch-size N,
 * --rounds N (replay repetitions; the best is kept).
 */
import { parseArgs } from "node:util";
import { EventStore } from "../src/store/event-store.ts";
import { bestOfEach, interleaved, rate } from "./lib/measure.ts";
import { PlainEventTable } from "./lib/plain-sqlite.ts";
import { type Comparison, compare, formatTable } from "./lib/report.ts";
import { tempDir } from "./lib/temp-db.ts";
import { chunk, heartbeats, segments } from "./lib/workload.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: "boolean", default: false },
    single: { type: "string", default: "20000" },
    batched: { type: "string", default: "200000" },
    "batch-size": { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
  },
});
const SINGLE = Number(args.single);
const BATCHED = Number(args.batched);
const BATCH_SIZE = Number(args["batch-size"]);
const ROUNDS = Number(args.rounds);
/** Replay runs since(0) to the head in slices of this many events, taking turns. */
const REPLAY_SEGMENT = 20_000;

const tmp = tempDir("store");
try {
  const rows = await run();
  print(rows);
} finally {
  tmp.cleanup();
}

async function run(): Promise<Comparison[]> {
  const single = await singleAppends();
  const plain = new PlainEventTable(tmp.file("plain-batched.db"));
  const store = await EventStore.open(tmp.file("store-batched.db"));
  try {
    const batched = interleaved(
      chunk(heartbeats(BATCHED), BATCH_SIZE),
      (batch) => {
        store.appendBatch(batch);
        return batch.length;
      },
      (batch) => {
        plain.insertBatch(batch);
        return batch.length;
      },
    );
    const replay = bestOfEach(ROUNDS, () =>
      interleaved(
        segments(BATCHED, REPLAY_SEGMENT),
        (from) => {
          let n = 0;
          for (const e of store.since(from, { limit: REPLAY_SEGMENT })) if (e.payload !== null) n++;
          return n;
        },
        (from) => plain.replay(from, REPLAY_SEGMENT),
      ),
    );
    for (const t of [replay.a, replay.b]) {
      if (t.operations !== BATCHED) throw new Error(`replay read ${t.operations} of ${BATCHED}`);
    }
    return [
      compare("single appends, autocommit", SINGLE, rate(single.a), rate(single.b), 0.5),
      compare(
        `batched appends, ${BATCH_SIZE} a batch`,
        BATCHED,
        rate(batched.a),
        rate(batched.b),
        0.6,
      ),
      compare("replay since(0), payload parsed", BATCHED, rate(replay.a), rate(replay.b), 0.7),
    ];
  } finally {
    plain.close();
    store.close();
  }
}

/** Autocommit appends, 500 at a time per side, into two fresh files. */
async function singleAppends() {
  const plain = new PlainEventTable(tmp.file("plain-single.db"));
  const store = await EventStore.open(tmp.file("store-single.db"));
  try {
    return interleaved(
      chunk(heartbeats(SINGLE), 500),
      (events) => {
        for (const e of events) store.append(e.kind, e.payload, e);
        return events.length;
      },
      (events) => {
        for (const e of events) plain.insert(e);
        return events.length;
      },
    );
  } finally {
    plain.close();
    store.close();
  }
}

function print(rows: readonly Comparison[]): void {
  if (args.json) {
    console.log(JSON.stringify({ bench: "store", runtime: `bun ${Bun.version}`, rows }, null, 2));
    return;
  }
  console.log(
    `store benchmark: bun ${Bun.version}, WAL + synchronous NORMAL on both sides, events/s\n`,
  );
  console.log(formatTable(rows));
  const missed = rows.filter((r) => !r.met).map((r) => r.name);
  console.log(missed.length > 0 ? `\naims missed: ${missed.join("; ")}` : "\nall aims met");
}
