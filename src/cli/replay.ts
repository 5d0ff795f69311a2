import { openReadLog, withReadLog } from "./common/database.ts";
import { followEvents } from "./common/follow-events.ts";
import { formatArgs, parseFormat } from "./common/formats.ts";
import {
  filterArgs,
  parseFilter,
  parseOptionalWhole,
  parseRange,
  rangeArgs,
} from "./common/options.ts";
import { EventPrinter, LineWriter } from "./common/output.ts";
import { pagerArgs, withPager } from "./common/pager.ts";
import { parseSelection, selectArgs, selectEvents, selectStoredEvents } from "./common/select.ts";
import { utcArgs } from "./common/time.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "replay",
    description: "Print durable events from a sequence on, by kind, task, saga or time",
  },
  args: {
    ...rangeArgs,
    ...filterArgs,
    ...selectArgs,
    limit: { type: "string", valueHint: "n", description: "Print at most n events (the first n)" },
    follow: {
      type: "boolean",
      alias: "f",
      description: "After the matching events, keep printing new ones until Ctrl-C (as tail)",
    },
    verify: {
      type: "boolean",
      description:
        "Check each event's hash and chain link before printing it; exit 1 at the first that breaks",
    },
    ...formatArgs,
    ...utcArgs,
    ...pagerArgs,
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog replay",
      "forge-eventlog replay --from 120 --to 180",
      "forge-eventlog replay --issue 42 --kind task.completed,task.failed",
      "forge-eventlog replay --since 2h -n 20",
      "forge-eventlog replay --since 2026-06-02T12:00 --until 2026-06-02T13:00 --format csv > hour.csv",
      "forge-eventlog replay --kind 'task.*' -f",
      "forge-eventlog replay --tick 7 --json | jq .payload",
      "forge-eventlog replay --verify --from 5000",
    ],
    notes: [
      "--json prints one event per line: the contract's columns, payload_json as payload (its stored JSON, as it is). --format csv|tsv prints a header row, then one row per event (payload as its JSON text).",
      "--since/--until take a duration back from now (30m, 2h, 1d) or a time (2026-06-02, 2026-06-02T12:00, with Z or +02:00 for a zone; local time otherwise). -n N prints the last N matching events; --limit N the first N.",
      "Times are shown in local time; --utc shows UTC. On a terminal a long table goes through $PAGER (default less -FRX); --no-pager or a pipe prints it straight.",
      "No matching event is not an error: the output is empty and the exit code 0.",
      "--verify recomputes every event's hash after --from (also those a filter leaves out) and checks its link to the one before, as forge-loop's own reader does; it stops with exit 1, naming the sequence, before printing an event whose chain breaks. Rows written without a chain are printed unchecked.",
    ],
    exit1: "no such database, or --verify met an event whose hash or chain link breaks",
  },
  async run({ args }) {
    const range = parseRange(args);
    const filter = parseFilter(args);
    const selection = parseSelection(args);
    const format = parseFormat(args);
    const limit = parseOptionalWhole(args.limit, "--limit", 1);
    if (limit !== undefined && selection.last !== undefined) {
      throw usageError("use --limit (the first n) or -n (the last n), not both");
    }
    if (args.follow && range.to !== undefined) throw usageError("-f follows new events: drop --to");
    const utc = args.utc === true;
    await withReadLog(openReadLog(args), async (store) => {
      const head = await store.latestSequence();
      const paged = format === "table" && !args.follow && args.pager !== false;
      await withPager(paged, async (sink) => {
        const out = new LineWriter(sink);
        const printer = new EventPrinter(out, format, head, utc);
        const read = [
          range.after,
          { ...filter, limit, verifyChain: args.verify === true },
          selection,
          args.follow ? head : range.to,
        ] as const;
        try {
          const stored = store.store;
          if (stored && format === "json") {
            for (const e of selectStoredEvents((a, f) => stored.sinceJson(a, f), ...read)) {
              const written = printer.printJsonLine(e.bytes);
              if (written) await written;
            }
          } else if (stored) {
            for (const e of selectStoredEvents((a, f) => stored.since(a, f), ...read)) {
              const written = printer.print(e);
              if (written) await written;
            }
          } else {
            for await (const e of selectEvents(store, ...read)) await printer.print(e);
          }
        } finally {
          await out.flush();
        }
        if (args.follow) {
          await followEvents({
            store,
            after: Math.max(head, range.after),
            filter,
            window: selection.window,
            printer,
            out,
          });
        } else if (printer.count === 0) log.info("no events match");
      });
    });
  },
});
