import { existsSync, statSync } from "node:fs";
import { type FollowLag, followLags } from "../follow/lag.ts";
import type { EventStore } from "../store/event-store.ts";
import type { ReadLog } from "../store/read-log.ts";
import { foldLog, LoopFold } from "../views/loop-fold.ts";
import { type LoopSummary, summarizeLoop } from "../views/loop-summary.ts";

export interface MetricsInput {
  summary: LoopSummary;
  /** Each ended task's worker seconds. */
  task_durations_s: number[];
  /** What only a local SQLite file has (a PostgreSQL log has none of it). */
  file?: { mirror: FollowLag[]; database_bytes: number };
  events: number;
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

function foldMetrics(fold: LoopFold, quarantined: number): Omit<MetricsInput, "events"> {
  const task_durations_s = [...fold.facts.values()]
    .filter((f) => f.terminal_at !== null && f.duration_s > 0)
    .map((f) => f.duration_s);
  return { summary: summarizeLoop(fold, quarantined), task_durations_s };
}

/** Everything the exposition shows, read from the store (one pass over the log). */
export function collectMetrics(
  store: EventStore,
  fold: LoopFold = foldLog(store.since(0)),
): MetricsInput {
  return {
    ...foldMetrics(fold, store.countQuarantine()),
    file: {
      mirror: followLags(store),
      database_bytes: sizeOf(store.path) + sizeOf(`${store.path}-wal`),
    },
    events: store.latestSequence(),
  };
}

/**
 * The metrics of any log: a SQLite file's as `collectMetrics`; a PostgreSQL log's from one
 * pass over `source`'s events (every event when undefined), without the file-only figures.
 */
export async function collectLogMetrics(log: ReadLog, source?: string): Promise<MetricsInput> {
  if (log.store) return collectMetrics(log.store);
  const fold = new LoopFold();
  for await (const e of log.since(0, source === undefined ? {} : { source })) fold.apply(e);
  return { ...foldMetrics(fold, 0), events: fold.events };
}

/** A label value as the text format wants it: backslash, quote and newline escaped. */
export function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

type Sample = [labels: Record<string, string>, value: number];

class Exposition {
  private readonly lines: string[] = [];

  metric(name: string, type: "counter" | "gauge" | "histogram", help: string, samples: Sample[]) {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.sample(name, labels, value);
  }

  sample(name: string, labels: Record<string, string>, value: number): void {
    const keys = Object.keys(labels);
    const l =
      keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${labelValue(labels[k]!)}"`).join(",")}}`;
    this.lines.push(`${name}${l} ${Number.isFinite(value) ? value : value > 0 ? "+Inf" : "NaN"}`);
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

const byLabel = (label: string, r: Record<string, number>): Sample[] =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => [{ [label]: k }, n]);

/** Seconds buckets for task and merge durations: 1 minute to 2 hours. */
export const DURATION_BUCKETS_S = [60, 300, 600, 1200, 1800, 3600, 7200];

function histogram(x: Exposition, name: string, help: string, values: readonly number[]): void {
  x.metric(name, "histogram", help, []);
  for (const le of DURATION_BUCKETS_S) {
    x.sample(`${name}_bucket`, { le: String(le) }, values.filter((v) => v <= le).length);
  }
  x.sample(`${name}_bucket`, { le: "+Inf" }, values.length);
  x.sample(
    `${name}_sum`,
    {},
    values.reduce((a, b) => a + b, 0),
  );
  x.sample(`${name}_count`, {}, values.length);
}

/**
 * Prometheus text exposition (version 0.0.4) of the loop's counters, mirror lag and store. A
 * PostgreSQL log has no mirror, quarantine or file: those lines are left out, not zero.
 */
export function renderMetrics(m: MetricsInput): string {
  const s = m.summary;
  const x = new Exposition();
  const p = "forge_eventlog";
  x.metric(`${p}_ticks_total`, "counter", "Loop ticks seen in the log.", [[{}, s.ticks]]);
  x.metric(`${p}_idle_ticks_total`, "counter", "Ticks that ended without starting work.", [
    [{}, s.idle_ticks],
  ]);
  x.metric(
    `${p}_tasks_total`,
    "counter",
    "Issues by their last terminal status.",
    byLabel("status", s.by_status),
  );
  x.metric(`${p}_merges_total`, "counter", "Pull requests merged.", [[{}, s.merged]]);
  x.metric(`${p}_merges_blocked_total`, "counter", "Issues whose merge was blocked.", [
    [{}, s.blocked],
  ]);
  x.metric(
    `${p}_critic_verdicts_total`,
    "counter",
    "Critic verdicts by verdict.",
    byLabel("verdict", s.critic_verdicts),
  );
  x.metric(`${p}_halts_total`, "counter", "Loop halts.", [[{}, s.halts]]);
  x.metric(`${p}_cost_usd_total`, "counter", "Model cost reported by the runner, in US dollars.", [
    [{}, s.cost_usd],
  ]);
  x.metric(`${p}_tokens_total`, "counter", "Model tokens reported by the runner.", [
    [{ direction: "input" }, s.input_tokens],
    [{ direction: "output" }, s.output_tokens],
  ]);
  histogram(x, `${p}_task_duration_seconds`, "Worker seconds per ended issue.", m.task_durations_s);
  histogram(
    x,
    `${p}_time_to_merge_seconds`,
    "Seconds from first dispatch to merge.",
    s.time_to_merge_s.values,
  );
  x.metric(`${p}_events_total`, "counter", "Durable events in the log (of its runner).", [
    [{}, m.events],
  ]);
  if (m.file === undefined) return x.text();
  x.metric(
    `${p}_mirror_lag_bytes`,
    "gauge",
    "Bytes of a followed JSONL file not yet mirrored.",
    m.file.mirror.map((l): Sample => [{ source: l.source }, l.bytesUnread]),
  );
  x.metric(
    `${p}_mirror_lag_lines`,
    "gauge",
    "Complete lines of a followed JSONL file not yet mirrored.",
    m.file.mirror.map((l): Sample => [{ source: l.source }, l.linesUnread]),
  );
  x.metric(`${p}_quarantined_lines`, "gauge", "JSONL lines held in quarantine.", [
    [{}, s.quarantined],
  ]);
  x.metric(`${p}_database_size_bytes`, "gauge", "Database file plus its WAL, in bytes.", [
    [{}, m.file.database_bytes],
  ]);
  return x.text();
}
