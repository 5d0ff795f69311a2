/**
 * Per-milestone latency (p50, p99) and milestones/s through the plugin with mirroring off and
 * on, beside plain JSONL appends and plain bun:sqlite inserts of the same events, in one run.
 *
 * Then the runner's event-loop stall (how late a 1 ms interval timer fires: p50, p99, max)
 * and the hook's own time while milestones arrive one a millisecond and 4 other processes
 * contend for the database's write lock (each: 20 events a transaction, the lock held
 * --writer-hold-ms, then --writer-gap-ms without it). Four sides, rotated each round for
 * --stall-rounds rounds: the floor (the runner's own line: JSON.stringify + writeSync, no
 * plugin), the plugin with mirroring off, with mirroring on, and with mirroring and fmail
 * events on; printed as the median and [min..max] of the per-round figures and their ratios
 * to the floor of the same round. Aim: the loop never waits on SQLite (stall p99 <= 1 ms,
 * max <= 5 ms), hook p99 <= 100 us with mirroring and fmail on.
 * Options: --rounds N (default 200 rounds of the 56-milestone demo session), --stall-rounds N
 * (default 3), --stall-milestones N (default 1000), --writer-hold-ms N (default 5),
 * --writer-gap-ms N (default 20), --json.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type ConfigInput, resolveConfig } from "../src/config.ts";
import { NEW_DATABASE_KEY_FORMAT } from "../src/mirror/idempotency-key.ts";
import { mapLegacyRecord } from "../src/mirror/map-record.ts";
import { EventLogPlugin } from "../src/plugin.ts";
import { EventStore } from "../src/store/event-store.ts";
import { PlainEventTable } from "./lib/plain-sqlite.ts";
import { alternate, type Spread, spread } from "./lib/spread.ts";
import { tempDir } from "./lib/temp-db.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "200" },
    "stall-rounds": { type: "string", default: "3" },
    "stall-milestones": { type: "string", default: "1000" },
    "writer-hold-ms": { type: "string", default: "5" },
    "writer-gap-ms": { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const rounds = Number(args.rounds);
const stallRounds = Math.max(3, Number(args["stall-rounds"]));
const stallMilestones = Number(args["stall-milestones"]);

const session = readFileSync(
  join(import.meta.dir, "../tests/plugin/golden/demo-session.jsonl"),
  "utf8",
)
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { kind: string } & Record<string, unknown>);

/** The session repeated, each milestone with its own time so every one is a new occurrence. */
const start = Date.parse("2026-06-02T00:00:00Z");
const milestones = Array.from({ length: rounds }, (_, r) =>
  session.map((m, i) => ({
    ...m,
    ts: new Date(start + (r * session.length + i) * 1000).toISOString(),
  })),
).flat();

interface Figure {
  name: string;
  /** Milestones per second over the whole run, flushes included. */
  perSecond: number;
  p50us: number;
  p99us: number;
  p999us: number;
}

/** Times each call; yields to the event loop between milestones, as a runner does. */
async function measure(
  name: string,
  each: (m: (typeof milestones)[number]) => void,
  finish: () => void = () => {},
): Promise<Figure> {
  const samples = new Float64Array(milestones.length);
  const t0 = performance.now();
  for (let i = 0; i < milestones.length; i++) {
    const s = performance.now();
    each(milestones[i]!);
    samples[i] = performance.now() - s;
    if (i % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  finish();
  const total = (performance.now() - t0) / 1000;
  samples.sort();
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 1000;
  return {
    name,
    perSecond: milestones.length / total,
    p50us: at(0.5),
    p99us: at(0.99),
    p999us: at(0.999),
  };
}

const dir = tempDir("plugin");
try {
  const fd = openSync(dir.file("plain.jsonl"), "a");
  const plainJsonl = await measure("plain JSONL append", (m) => {
    writeSync(fd, `${JSON.stringify(m)}\n`);
  });
  closeSync(fd);

  const plainDb = new PlainEventTable(dir.file("plain.db"));
  // The rows a new database gets, keys included.
  const mapped = milestones.map((m) => mapLegacyRecord(m, null, NEW_DATABASE_KEY_FORMAT) ?? []);
  let k = 0;
  const plainSqlite = await measure("plain bun:sqlite, 1 commit/milestone", () => {
    plainDb.insertBatch(mapped[k++]!);
  });
  plainDb.close();

  const plugin = async (name: string, label: string, config: ConfigInput) => {
    const p = await EventLogPlugin.create({
      config: resolveConfig({ jsonl: `${name}.jsonl`, db: `${name}.db`, ...config }, dir.file("")),
    });
    return measure(
      label,
      (m) => p.record(m),
      () => p.close(),
    );
  };
  const off = await plugin("off", "plugin, mirroring off", { mirror: false });
  const behind = await plugin("behind", "plugin, mirroring on (write-behind 25 ms)", {
    mirror: true,
  });
  const through = await plugin("through", "plugin, mirroring on (write-through)", {
    mirror: true,
    mirrorFlushMs: 0,
  });

  const stall = await runStallRounds(dir);

  const addedP99 = behind.p99us - off.p99us;
  const result = {
    milestones: milestones.length,
    figures: [plainJsonl, off, plainSqlite, behind, through],
    mirroring_adds_p99_us: addedP99,
    write_through_adds_p99_us: through.p99us - off.p99us,
    aim_p99_us: 100,
    met: addedP99 < 100,
    ratio_on_vs_plain_sqlite: behind.perSecond / plainSqlite.perSecond,
    ratio_write_through_vs_plain_sqlite: through.perSecond / plainSqlite.perSecond,
    ratio_off_vs_plain_jsonl: off.perSecond / plainJsonl.perSecond,
    stall,
  };
  if (args.json) {
    console.log(JSON.stringify(result));
  } else {
    const fmt = (n: number) => n.toFixed(1).padStart(10);
    console.log(`\nbench/plugin.ts: ${milestones.length} milestones (demo session x ${rounds})`);
    console.log(
      `${"path".padEnd(44)} ${"mil./s".padStart(10)} ${"p50 us".padStart(10)} ${"p99 us".padStart(10)} ${"p99.9 us".padStart(10)}`,
    );
    for (const f of result.figures) {
      console.log(
        `${f.name.padEnd(44)} ${fmt(f.perSecond)} ${fmt(f.p50us)} ${fmt(f.p99us)} ${fmt(f.p999us)}`,
      );
    }
    const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
    console.log("");
    line("plugin off vs plain JSONL (rate)", result.ratio_off_vs_plain_jsonl.toFixed(2));
    line("write-behind vs plain bun:sqlite (rate)", result.ratio_on_vs_plain_sqlite.toFixed(2));
    line(
      "write-through vs plain bun:sqlite (rate)",
      result.ratio_write_through_vs_plain_sqlite.toFixed(2),
    );
    line("write-through adds at p99", `${result.write_through_adds_p99_us.toFixed(1)} us`);
    line(
      "mirroring (write-behind) adds at p99",
      `${addedP99.toFixed(1)} us (aim < 100 us: ${result.met ? "met" : "NOT met"})`,
    );
    printStall(stall);
  }
} finally {
  dir.cleanup();
}

interface StallRun {
  /** How late the 1 ms interval timer fired, in ms. */
  p50ms: number;
  p99ms: number;
  maxms: number;
  /** The hook's own time, in µs. */
  hookP99us: number;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Another process appending to `db` until killed, once it says it is ready. */
async function contendingWriter(db: string, name: string) {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "lib/contending-writer.ts"),
      db,
      name,
      String(args["writer-hold-ms"]),
      String(args["writer-gap-ms"]),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const first = await proc.stdout.getReader().read();
  if (!new TextDecoder().decode(first.value).includes("ready")) {
    throw new Error(`contending writer ${name} did not start`);
  }
  return proc;
}

type Side = "floor" | "off" | "on" | "fmail";

/** The runner's own line, no plugin: what a runner writing its JSONL by itself pays. */
function floorWriter(file: string) {
  const fd = openSync(file, "a");
  return {
    record: (m: (typeof milestones)[number]) => {
      writeSync(fd, `${JSON.stringify(m)}\n`);
    },
    close: () => closeSync(fd),
  };
}

/** One run: milestones paced like a runner (one a millisecond), while 4 others write. */
async function stallRun(dir: ReturnType<typeof tempDir>, name: string, side: Side) {
  const db = dir.file(`${name}.db`);
  (await EventStore.open(db)).close();
  const writers = await Promise.all([1, 2, 3, 4].map((n) => contendingWriter(db, `${name}-w${n}`)));
  const p =
    side === "floor"
      ? floorWriter(dir.file(`${name}.jsonl`))
      : await EventLogPlugin.create({
          config: resolveConfig(
            {
              jsonl: `${name}.jsonl`,
              db: `${name}.db`,
              mirror: side !== "off",
              ...(side === "fmail"
                ? { events: { enabled: true, root: dir.file(""), loop: "bench" } }
                : {}),
            },
            dir.file(""),
          ),
          logger: { warn: () => {} },
        });
  const late: number[] = [];
  const hooks = new Float64Array(Math.min(stallMilestones, milestones.length));
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  for (let i = 0; i < hooks.length; i++) {
    const s = performance.now();
    p.record(milestones[i]!);
    hooks[i] = performance.now() - s;
    await new Promise((r) => setTimeout(r, 1));
  }
  clearInterval(timer);
  // Outside the measured window: close() waits for the writer's last commit.
  p.close();
  for (const w of writers) w.kill(9);
  await Promise.all(writers.map((w) => w.exited));
  late.sort((a, b) => a - b);
  hooks.sort();
  return {
    p50ms: quantile(late, 0.5),
    p99ms: quantile(late, 0.99),
    maxms: late[late.length - 1] ?? 0,
    hookP99us: quantile(hooks, 0.99) * 1000,
  } satisfies StallRun;
}

type StallSpread = Record<keyof StallRun, Spread>;

/** The four sides rotated each round (floor off on fmail, off on fmail floor, ...), fresh contenders each run. */
async function runStallRounds(dir: ReturnType<typeof tempDir>) {
  const keys = ["p50ms", "p99ms", "maxms", "hookP99us"] as const;
  let n = 0;
  const runs = await alternate(stallRounds, {
    floor: () => stallRun(dir, `stall-floor-${n++}`, "floor"),
    off: () => stallRun(dir, `stall-off-${n++}`, "off"),
    on: () => stallRun(dir, `stall-on-${n++}`, "on"),
    fmail: () => stallRun(dir, `stall-fmail-${n++}`, "fmail"),
  });
  const of = (side: StallRun[]) =>
    Object.fromEntries(keys.map((k) => [k, spread(side.map((x) => x[k]))])) as StallSpread;
  /** Each round's figure over the floor's in the same round. */
  const overFloor = (side: StallRun[]) =>
    Object.fromEntries(
      keys.map((k) => [k, spread(side.map((x, i) => x[k] / Math.max(runs.floor[i]![k], 1e-3)))]),
    ) as StallSpread;
  const on = of(runs.on);
  const fmail = of(runs.fmail);
  return {
    rounds: stallRounds,
    milestones_per_run: Math.min(stallMilestones, milestones.length),
    contending_writers: 4,
    writer_hold_ms: Number(args["writer-hold-ms"]),
    writer_gap_ms: Number(args["writer-gap-ms"]),
    floor: of(runs.floor),
    off: of(runs.off),
    on,
    fmail,
    ratio_off_vs_floor: overFloor(runs.off),
    ratio_on_vs_floor: overFloor(runs.on),
    ratio_fmail_vs_floor: overFloor(runs.fmail),
    aim: { p99ms: 1, maxms: 5, hookP99us: 100 },
    met: on.p99ms.max <= 1 && on.maxms.max <= 5,
    hook_met: on.hookP99us.median <= 100 && fmail.hookP99us.median <= 100,
  };
}

function printStall(stall: Awaited<ReturnType<typeof runStallRounds>>): void {
  const f = (s: Spread, digits = 3) =>
    `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}..${s.max.toFixed(digits)}]`;
  console.log(
    `\nevent-loop stall (1 ms timer lateness), ${stall.milestones_per_run} milestones/run, ${stall.contending_writers} other writers (lock held ${stall.writer_hold_ms} ms, ${stall.writer_gap_ms} ms gap), ${stall.rounds} rounds, sides rotated`,
  );
  console.log(
    `${"".padEnd(30)} ${"p50 ms".padEnd(24)} ${"p99 ms".padEnd(24)} ${"max ms".padEnd(26)} hook p99 us`,
  );
  const row = (label: string, s: StallSpread, digits: number, hookDigits: number) =>
    console.log(
      `${label.padEnd(30)} ${f(s.p50ms, digits).padEnd(24)} ${f(s.p99ms, digits).padEnd(24)} ${f(s.maxms, digits).padEnd(26)} ${f(s.hookP99us, hookDigits)}`,
    );
  row("floor: runner's own line", stall.floor, 3, 1);
  row("plugin, mirroring off", stall.off, 3, 1);
  row("plugin, mirroring on", stall.on, 3, 1);
  row("plugin, mirroring + fmail on", stall.fmail, 3, 1);
  row("mirroring off / floor", stall.ratio_off_vs_floor, 2, 2);
  row("mirroring on / floor", stall.ratio_on_vs_floor, 2, 2);
  row("mirroring + fmail / floor", stall.ratio_fmail_vs_floor, 2, 2);
  console.log(
    `aim: stall p99 <= 1 ms and max <= 5 ms with mirroring on, every round: ${stall.met ? "met" : "NOT met"}`,
  );
  console.log(
    `aim: hook p99 <= 100 us with mirroring on and with fmail on (medians): ${stall.hook_met ? "met" : "NOT met"}`,
  );
}
