/**
 * forge-eventlog's store against plain bun:sqlite, same machine, same run: single appends
 * (autocommit, synchronous NORMAL) and replay with payloads parsed, both sides in alternating
 * chunks on fresh files (see lib/measure.ts); then batched appends over --rounds rounds, each
 * side on a fresh file per round, the order rotated each round, printed as median [min..max]:
 * ours, plain bun:sqlite with the store's time-ordered ids (the floor), plain with random
 * uuid4s, and the peer, emmett's SQLite event store (installed into .bench/peers by this
 * script; printed as missing if it cannot be). Aim: batched >= 1.0x emmett.
 * Prints a table, or JSON with --json. Options: --single N, --batched N, --batch-size N,
 * --rounds N.
 */
import { parseArgs } from "node:util";
import { EventStore } from "../src/store/event-store.ts";
import { bestOfEach, interleaved, rate } from "./lib/measure.ts";
import { npmPeer, type Peer } from "./lib/peers.ts";
import { PlainEventTable } from "./lib/plain-sqlite.ts";
import { type Comparison, compare, formatTable } from "./lib/report.ts";
import { alternate, type Spread, showSpread, spread, table } from "./lib/spread.ts";
import { tempDir } from "./lib/temp-db.ts";
import { chunk, heartbeats, segments } from "./lib/workload.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: "boolean", default: false },
    single: { type: "string", default: "20000" },
    batched: { type: "string", default: "100000" },
    "batch-size": { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
  },
});
const SINGLE = Number(args.single);
const BATCHED = Number(args.batched);
const BATCH_SIZE = Number(args["batch-size"]);
const ROUNDS = Math.max(3, Number(args.rounds));
const EMMETT = [
  "@event-driven-io/emmett-sqlite@0.38.5",
  "@event-driven-io/emmett@0.38.5",
  "sqlite3@5.1.7",
];
const AIM_VS_EMMETT = 1.0;
/** Replay runs since(0) to the head in slices of this many events, taking turns. */
const REPLAY_SEGMENT = 20_000;

const tmp = tempDir("store");
try {
  const rows = await run();
  const batched = await batchedRounds();
  print(rows, batched);
} finally {
  tmp.cleanup();
}

async function run(): Promise<Comparison[]> {
  const single = await singleAppends();
  const plain = new PlainEventTable(tmp.file("plain-batched.db"));
  const store = await EventStore.open(tmp.file("store-batched.db"));
  try {
    const fill = interleaved(
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
        `batched appends, ${BATCH_SIZE} a batch (chunks interleaved)`,
        BATCHED,
        rate(fill.a),
        rate(fill.b),
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

interface BatchedRounds {
  rounds: number;
  /** events/s per side, over the rounds. */
  ours: Spread;
  plain: Spread;
  plainRandomIds: Spread;
  emmett: Peer<Spread>;
}

/** A heartbeat as an emmett event: its kind as the type, its payload as the data. */
type EmmettStore = {
  appendToStream(stream: string, events: { type: string; data: unknown }[]): Promise<unknown>;
};

async function openEmmett(dir: string): Promise<Peer<(file: string) => EmmettStore>> {
  const peer = npmPeer(EMMETT);
  if ("missing" in peer) return peer;
  try {
    const mod = (await import(`${peer.ok}/dist/index.js`)) as {
      getSQLiteEventStore(o: { fileName: string; schema: { autoMigration: string } }): EmmettStore;
    };
    const open = (file: string) =>
      mod.getSQLiteEventStore({ fileName: file, schema: { autoMigration: "CreateOrUpdate" } });
    await open(`${dir}/emmett-probe.db`).appendToStream("probe", [{ type: "probe", data: {} }]);
    return { ok: open };
  } catch (e) {
    return { missing: `emmett-sqlite does not run under bun ${Bun.version}: ${String(e)}` };
  }
}

/** Batched appends, each side the whole workload on a fresh file per round. */
async function batchedRounds(): Promise<BatchedRounds> {
  const batches = chunk(heartbeats(BATCHED), BATCH_SIZE);
  const emmett = await openEmmett(tmp.file(""));
  let round = 0;
  const timed = async (fn: () => Promise<void> | void) => {
    const start = performance.now();
    await fn();
    return BATCHED / ((performance.now() - start) / 1000);
  };
  const plainSide = (ids: "ordered" | "random") => () => {
    const plain = new PlainEventTable(tmp.file(`plain-${ids}-${round++}.db`), { ids });
    try {
      return timed(() => {
        for (const b of batches) plain.insertBatch(b);
      });
    } finally {
      plain.close();
    }
  };
  const sides = {
    ours: async () => {
      const store = await EventStore.open(tmp.file(`store-${round++}.db`));
      try {
        return await timed(() => {
          for (const b of batches) store.appendBatch(b);
        });
      } finally {
        store.close();
      }
    },
    plain: plainSide("ordered"),
    plainRandomIds: plainSide("random"),
    emmett: async () => {
      if (!("ok" in emmett)) return 0;
      const store = emmett.ok(tmp.file(`emmett-${round++}.db`));
      return timed(async () => {
        for (const [i, b] of batches.entries()) {
          await store.appendToStream(
            `bench-${i}`,
            b.map((e) => ({ type: e.kind, data: e.payload })),
          );
        }
      });
    },
  };
  const r = await alternate(ROUNDS, sides);
  return {
    rounds: ROUNDS,
    ours: spread(r.ours),
    plain: spread(r.plain),
    plainRandomIds: spread(r.plainRandomIds),
    emmett: "ok" in emmett ? { ok: spread(r.emmett) } : emmett,
  };
}

function print(rows: readonly Comparison[], batched: BatchedRounds): void {
  if (args.json) {
    console.log(
      JSON.stringify({ bench: "store", runtime: `bun ${Bun.version}`, rows, batched }, null, 2),
    );
    return;
  }
  console.log(
    `store benchmark: bun ${Bun.version}, WAL + synchronous NORMAL on both sides, events/s\n`,
  );
  console.log(formatTable(rows));
  const missed = rows.filter((r) => !r.met).map((r) => r.name);
  console.log(missed.length > 0 ? `\naims missed: ${missed.join("; ")}` : "\nall aims met");
  const b = batched;
  const ratio = (x: Spread) => (b.ours.median / x.median).toFixed(2);
  const body = [
    ["forge-eventlog appendBatch", showSpread(b.ours, 0), "", ""],
    ["floor: plain bun:sqlite, time-ordered ids", showSpread(b.plain, 0), ratio(b.plain), ""],
    [
      "plain bun:sqlite, random uuid4 ids",
      showSpread(b.plainRandomIds, 0),
      ratio(b.plainRandomIds),
      "",
    ],
    "ok" in b.emmett
      ? [
          "peer: emmett-sqlite 0.38.5 (sqlite3 5.1.7)",
          showSpread(b.emmett.ok, 0),
          ratio(b.emmett.ok),
          `>= ${AIM_VS_EMMETT.toFixed(1)}: ${b.ours.median / b.emmett.ok.median >= AIM_VS_EMMETT ? "met" : "NOT met"}`,
        ]
      : [
          "peer: emmett-sqlite",
          `missing: ${b.emmett.missing}`,
          "",
          `>= ${AIM_VS_EMMETT.toFixed(1)}: unknown`,
        ],
  ];
  console.log(
    `\nbatched appends, ${BATCH_SIZE} a batch, ${BATCHED} events, ${b.rounds} rounds rotated, events/s median [min..max]\n`,
  );
  console.log(table(["side", "events/s", "ours / side", "aim"], body));
}
