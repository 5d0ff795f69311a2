#!/usr/bin/env bun
import pkg from "../../package.json" with { type: "json" };
import { defineCommand, lazy } from "./framework/command.ts";
import { runCli } from "./framework/run.ts";

/**
 * The forge-eventlog command line. A command is one file `src/cli/<name>.ts` whose default
 * export is a `defineCommand` (framework/command.ts), plus one line below.
 */
export const root = defineCommand({
  meta: {
    name: "forge-eventlog",
    version: pkg.version,
    description: "Replay, inspect, verify and follow a forge-loop durable event log",
  },
  subCommands: {
    replay: lazy(() => import("./replay.ts")),
    tail: lazy(() => import("./tail.ts")),
    verify: lazy(() => import("./verify.ts")),
    doctor: lazy(() => import("./doctor.ts")),
    compact: lazy(() => import("./compact.ts")),
    stats: lazy(() => import("./stats.ts")),
    conflicts: lazy(() => import("./conflicts.ts")),
    quarantine: lazy(() => import("./quarantine.ts")),
    cursors: lazy(() => import("./cursors.ts")),
    export: lazy(() => import("./export.ts")),
    import: lazy(() => import("./import.ts")),
    timeline: lazy(() => import("./timeline.ts")),
    mirror: lazy(() => import("./mirror.ts")),
    watch: lazy(() => import("./watch.ts")),
    gc: lazy(() => import("./gc.ts")),
    completion: lazy(() => import("./completion.ts")),
    ship: lazy(() => import("./ship.ts")),
    metrics: lazy(() => import("./metrics.ts")),
    report: lazy(() => import("./report.ts")),
    serve: lazy(() => import("./serve.ts")),
  },
  help: {
    examples: [
      "forge-eventlog replay --issue 42",
      "forge-eventlog replay --from 1000 --kind 'task.*' --json",
      "forge-eventlog tail --tick 7",
      "forge-eventlog verify --db /var/lib/forge/events.db",
      "forge-eventlog compact --dry-run",
      "forge-eventlog stats",
      "forge-eventlog conflicts --json",
      "forge-eventlog export -o events.jsonl",
      "forge-eventlog import events.jsonl --db copy.db",
      "forge-eventlog timeline --issue 167",
      "forge-eventlog mirror docs/ops/loop-runner-events.jsonl --follow",
      "forge-eventlog watch --event iteration_complete --count 1",
    ],
    notes: [
      "Relative paths (--db, --config, files) resolve from the current directory.",
      "Messages go to stderr, data to stdout. NO_COLOR turns colour off.",
    ],
  },
});

if (import.meta.main) {
  runCli(root, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
