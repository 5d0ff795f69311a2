import { openReadLog, withReadLog } from "./common/database.ts";
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
    verify: {
      type: "boolean",
      description:
        "Check each event's hash and chain link before printing it; exit 1 at the first that breaks",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog replay",
      "forge-eventlog replay --from 120 --to 180",
      "forge-eventlog replay --issue 42 --kind task.completed,task.failed",
      "forge-eventlog replay --tick 7 --json | jq .payload",
      "forge-eventlog replay --verify --from 5000",
    ],
    notes: [
      "--json prints one event per line: the contract's columns with payload parsed.",
      "No matching event is not an error: the output is empty and the exit code 0.",
      "--verify recomputes every event's hash after --from (also those a filter leaves out) and checks its link to the one before, as forge-loop's own reader does; it stops with exit 1, naming the sequence, before printing an event whose chain breaks. Rows written without a chain are printed unchecked.",
    ],
    exit1: "no such database, or --verify met an event whose hash or chain link breaks",
  },
  async run({ args }) {
    const range = parseRange(args);
    const filter = parseFilter(args);
    const limit = parseOptionalWhole(args.limit, "--limit", 1);
    await withReadLog(openReadLog(args), async (store) => {
      const out = new LineWriter();
      const printer = new EventPrinter(out, args.json === true, await store.latestSequence());
      try {
        for await (const e of store.since(range.after, {
          ...filter,
          limit,
          verifyChain: args.verify === true,
        })) {
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
