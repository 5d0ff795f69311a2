import { onStopSignals } from "../io/stop-signals.ts";
import { followEvents } from "../replay/follow-events.ts";
import type { SinceFilter } from "../store/read.ts";
import { openRead, withStore } from "./common/database.ts";
import { filterArgs, parseDuration, parseFilter, parseOptionalWhole } from "./common/options.ts";
import { EventPrinter, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "tail",
    description: "Follow new durable events as they are appended (like tail -f)",
  },
  args: {
    from: {
      type: "string",
      valueHint: "seq",
      description: "Print the events from this sequence on first (default: only new events)",
    },
    ...filterArgs,
    count: { type: "string", valueHint: "n", description: "Stop after printing n events" },
    timeout: {
      type: "string",
      valueHint: "duration",
      description: "Stop after this long, e.g. 30s, 5m (default: run until Ctrl-C)",
    },
    interval: {
      type: "string",
      valueHint: "ms",
      description: "How often to look for new events, in milliseconds",
      default: "200",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog tail",
      "forge-eventlog tail --issue 42 --json",
      "forge-eventlog tail --from 1 --count 100",
      "forge-eventlog tail --kind 'task.*' --timeout 10m",
    ],
    notes: [
      "Reads only; it never blocks the runner. Ctrl-C (SIGINT) or SIGTERM stops it with exit code 0, as do --count and --timeout.",
    ],
  },
  async run({ args }) {
    const filter: SinceFilter = parseFilter(args);
    const from = parseOptionalWhole(args.from, "--from");
    const count = parseOptionalWhole(args.count, "--count", 1);
    const timeoutMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const intervalMs = parseOptionalWhole(args.interval, "--interval", 10) ?? 200;

    await withStore(openRead(args), async (store) => {
      // Ctrl-C, SIGTERM, --count and --timeout all end the loop the same way.
      const stop = new AbortController();
      const signals = onStopSignals({ secondExits: true, onFirst: () => stop.abort() });
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop.abort(), timeoutMs);
      const out = new LineWriter();
      const printer = new EventPrinter(out, args.json === true, store.latestSequence());
      const after = from === undefined ? store.latestSequence() : Math.max(0, from - 1);
      log.info(`following ${store.path} after sequence ${after}; Ctrl-C to stop`);
      try {
        await followEvents(
          store,
          { after, filter, intervalMs, signal: stop.signal },
          {
            event: async (e) => {
              await printer.print(e);
              if (count !== undefined && printer.count >= count) stop.abort();
            },
            caughtUp: () => out.flush(),
          },
        );
      } finally {
        if (timer) clearTimeout(timer);
        signals.dispose();
        await out.flush();
      }
      log.debug(`printed ${printer.count} events`);
    });
  },
});
