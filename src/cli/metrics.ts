import { resolve } from "node:path";
import { replaceFile } from "../io/replace-file.ts";
import { collectMetrics, renderMetrics } from "../metrics/exposition.ts";
import { openRead, withStore } from "./common/database.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";

export default defineCommand({
  meta: {
    name: "metrics",
    description: "Print Prometheus text metrics: loop counters, durations, mirror lag, size",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      valueHint: "file",
      description: "Write to this file (replaced in one rename) instead of stdout",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog metrics",
      "forge-eventlog metrics -o /var/lib/node_exporter/textfile/forge_eventlog.prom",
    ],
    notes: [
      "The Prometheus text format: forge_eventlog_ticks_total, _tasks_total{status}, _merges_total, _merges_blocked_total, _critic_verdicts_total{verdict}, _cost_usd_total, _tokens_total{direction}, _task_duration_seconds and _time_to_merge_seconds histograms, _mirror_lag_bytes{source}, _mirror_lag_lines{source}, _quarantined_lines, _database_size_bytes.",
      "For node_exporter's textfile collector, run it from a timer with -o into the collector's directory; 'serve' answers the same at /metrics.",
      "Reads only; it replays the log from sequence 0 on every run.",
    ],
  },
  async run({ args }) {
    await withStore(openRead(args), async (store) => {
      const text = renderMetrics(collectMetrics(store));
      if (args.output === undefined) process.stdout.write(text);
      else replaceFile(resolve(args.output), text);
    });
  },
});
