/**
 * Per-milestone latency (p50, p99) and milestones/s through the plugin with mirroring off and
 * on, beside plain JSONL appends and plain bun:sqlite inserts of the same events, in one run.
 * Aim: mirroring adds under 100 µs at p99 per milestone (synchronous=NORMAL).
 * Options: --rounds N (default 200 rounds of the 56-milestone demo session), --json.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type ConfigInput, resolveConfig } from "../src/config.ts";
import { mapLegacyRecord } from "../src/mirror/map-record.ts";
import { EventLogPlugin } from "../src/plugin.ts";
import { PlainEventTable } from "./lib/plain-sqlite.ts";
import { tempDir } from "./lib/temp-db.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "200" },
    json: { type: "boolean", default: false },
  },
});
const rounds = Number(args.rounds);

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
  const mapped = milestones.map((m) => mapLegacyRecord(m) ?? []);
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
  }
} finally {
  dir.cleanup();
}
