/**
 * Whether a larger page size would be a free way to a smaller file: the same writes through
 * the store into fresh files of 4096 (SQLite's default, what the store's files get), 8192 and
 * 16384-byte pages, the order rotated each round, printed as median [min..max] appends/s and
 * the ratio to 4096: single appends (autocommit), batches of 10 (a plugin flush), batches of
 * 1000 (a backfill). A larger page is only free if no write is slower. On the 200k-line bench
 * log 8192 gave a 3% smaller file and 16384 a 5% smaller one (docs/performance.md).
 * Options: --single N, --batched N, --rounds N, --json.
 */
import { Database } from "bun:sqlite";
import { parseArgs } from "node:util";
import { EventStore } from "../src/store/event-store.ts";
import { alternate, type Spread, showSpread, spread, table } from "./lib/spread.ts";
import { tempDir } from "./lib/temp-db.ts";
import { chunk, heartbeats } from "./lib/workload.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: "boolean", default: false },
    single: { type: "string", default: "4000" },
    batched: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
  },
});
const SINGLE = Number(args.single);
const BATCHED = Number(args.batched);
const ROUNDS = Math.max(3, Number(args.rounds));
const SIZES = [4096, 8192, 16384] as const;

const tmp = tempDir("page-size");
let files = 0;

/** A file with `pageSize` pages already fixed (an empty table made and dropped). */
function fileWithPages(pageSize: number): string {
  const path = tmp.file(`p${pageSize}-${files++}.db`);
  const db = new Database(path, { create: true });
  db.exec(`PRAGMA page_size = ${pageSize}; PRAGMA journal_mode = WAL;`);
  db.exec("CREATE TABLE fixes_the_page_size (x); DROP TABLE fixes_the_page_size;");
  db.close();
  return path;
}

type Rates = { single: number; batch10: number; batch1000: number };

async function writes(pageSize: number): Promise<Rates> {
  const store = await EventStore.open(fileWithPages(pageSize));
  const rate = (n: number, fn: () => void) => {
    const start = performance.now();
    fn();
    return n / ((performance.now() - start) / 1000);
  };
  const single = rate(SINGLE, () => {
    for (const e of heartbeats(SINGLE)) store.append(e.kind, e.payload, e);
  });
  const small = chunk(heartbeats(SINGLE, SINGLE), 10);
  const batch10 = rate(SINGLE, () => {
    for (const b of small) store.appendBatch(b);
  });
  const large = chunk(heartbeats(BATCHED, 2 * SINGLE), 1000);
  const batch1000 = rate(BATCHED, () => {
    for (const b of large) store.appendBatch(b);
  });
  store.close();
  return { single, batch10, batch1000 };
}

try {
  const runs = await alternate(
    ROUNDS,
    Object.fromEntries(SIZES.map((s) => [String(s), () => writes(s)])) as Record<
      string,
      () => Promise<Rates>
    >,
  );
  const paths = ["single", "batch10", "batch1000"] as const;
  const result: Record<string, Record<string, Spread>> = {};
  for (const s of SIZES) {
    const rounds = runs[String(s)] ?? [];
    result[s] = Object.fromEntries(paths.map((p) => [p, spread(rounds.map((r) => r[p]))]));
  }
  const at = (s: number, p: string) => result[s]?.[p] as Spread;
  if (args.json) {
    console.log(JSON.stringify({ bench: "page-size", rounds: ROUNDS, result }));
  } else {
    const body = paths.flatMap((p) =>
      SIZES.map((s) => [
        `${p}, ${s}-byte pages`,
        showSpread(at(s, p), 0),
        `${(at(s, p).median / at(4096, p).median).toFixed(2)}x`,
      ]),
    );
    console.log(`page size, ${ROUNDS} rounds alternated (appends/s)`);
    console.log(table(["path", "median [min..max]", "vs 4096"], body));
  }
} finally {
  tmp.cleanup();
}
