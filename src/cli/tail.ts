import { openReadLog, withReadLog } from "./common/database.ts";
import { followEvents } from "./common/follow-events.ts";
import { formatArgs, parseFormat } from "./common/formats.ts";
import { filterArgs, parseDuration, parseFilter, parseOptionalWhole } from "./common/options.ts";
import { EventPrinter, LineWriter } from "./common/output.ts";
import { parseSelection, selectArgs, selectEvents } from "./common/select.ts";
import { utcArgs } from "./common/time.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { log } from "./framework/terminal.ts";

/** Like tail -f: the last ten matching events first. */
const DEFAULT_LAST = 10;

export default defineCommand({
  meta: {
    name: "tail",
    description: "Print the last events, then follow new ones as they are appended (like tail -f)",
  },
  args: {
    ...selectArgs,
    from: {
      type: "string",
      valueHint: "seq",
      description: "Print the events from this sequence on first, instead of the last 10",
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
    ...formatArgs,
    ...utcArgs,
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog tail",
      "forge-eventlog tail -n 0 --issue 42 --json",
      "forge-eventlog tail -n 100 --kind 'task.*'",
      "forge-eventlog tail --since 1h",
      "forge-eventlog tail --from 1 --count 100",
      "forge-eventlog tail --kind 'task.*' --timeout 10m",
    ],
    notes: [
      "Starts with the last 10 matching events (-n N for N, -n 0 for only new ones; --since or --from for those from a time or sequence on), then prints each new one.",
      "Reads only; it never blocks the runner. Ctrl-C (SIGINT) or SIGTERM stops it with exit code 0, as do --count and --timeout.",
    ],
  },
  async run({ args }) {
    const filter = parseFilter(args);
    const from = parseOptionalWhole(args.from, "--from");
    const selection = parseSelection(args);
    if (from !== undefined && selection.last !== undefined) {
      throw usageError("use --from (from a sequence on) or -n (the last n), not both");
    }
    if (
      from === undefined &&
      selection.last === undefined &&
      selection.window.since === undefined
    ) {
      selection.last = DEFAULT_LAST;
    }
    const format = parseFormat(args);
    const count = parseOptionalWhole(args.count, "--count", 1);
    const timeoutMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const intervalMs = parseOptionalWhole(args.interval, "--interval", 10) ?? 200;

    await withReadLog(openReadLog(args, { intervalMs }), async (store) => {
      const out = new LineWriter();
      const head = await store.latestSequence();
      const printer = new EventPrinter(out, format, head, args.utc === true);
      const after = from === undefined ? 0 : Math.max(0, from - 1);
      for await (const e of selectEvents(store, after, filter, selection, head)) {
        if (count !== undefined && printer.count >= count) break;
        await printer.print(e);
      }
      await out.flush();
      await followEvents({
        store,
        after: Math.max(head, after),
        filter,
        window: selection.window,
        printer,
        out,
        count,
        timeoutMs,
      });
      log.debug(`printed ${printer.count} events`);
    });
  },
});
