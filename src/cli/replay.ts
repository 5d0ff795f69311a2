import { filterArgs, globalArgs } from "./shared/args.ts";
import { defineCliCommand } from "./shared/command.ts";
import { EventPrinter } from "./shared/events.ts";
import { parseFilter, parseRange, rangeArgs } from "./shared/filters.ts";
import { log } from "./shared/log.ts";
import { openRead, withStore } from "./shared/open-db.ts";
import { LineWriter } from "./shared/output.ts";
import { parseOptionalWhole } from "./shared/values.ts";

export default defineCliCommand({
  meta: {
    name: "replay",
    description: "Print durable events from a sequence on, by kind, task or saga",
  },
  args: {
    ...rangeArgs,
    ...filterArgs,
    limit: { type: "string", valueHint: "n", description: "Print at most n events" },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog replay",
      "forge-eventlog replay --from 120 --to 180",
      "forge-eventlog replay --issue 42 --kind task.completed,task.failed",
      "forge-eventlog replay --tick 7 --json | jq .payload",
    ],
    notes: [
      "--json prints one event per line: the contract's columns with payload parsed.",
      "No matching event is not an error: the output is empty and the exit code 0.",
    ],
  },
  async run({ args }) {
    const range = parseRange(args);
    const filter = parseFilter(args);
    const limit = parseOptionalWhole(args.limit, "--limit", 1);
    await withStore(openRead(args), async (store) => {
      const out = new LineWriter();
      const printer = new EventPrinter(out, args.json === true, store.latestSequence());
      try {
        for (const e of store.since(range.after, { ...filter, limit })) {
          if (range.to !== undefined && e.sequence > range.to) break;
          await printer.print(e);
        }
      } finally {
        await out.flush();
      }
      if (printer.count === 0) log.info("no events match");
    });
  },
});
