import { openRead, withStore } from "./common/database.ts";
import {
  filterArgs,
  parseFilter,
  parseOptionalWhole,
  parseRange,
  rangeArgs,
} from "./common/options.ts";
import { EventPrinter, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
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
