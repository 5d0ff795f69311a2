import { renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { EventLogError } from "../errors.ts";
import { eventJsonLine } from "../store/event-json.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import { filterArgs, parseFilter, parseRange, rangeArgs } from "./common/options.ts";
import { fileSink, LineWriter, openForWriting } from "./common/output.ts";
import { parseSelection, selectArgs, selectEvents, selectStoredEvents } from "./common/select.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

function openOutput(file: string): ReturnType<typeof openForWriting> {
  try {
    return openForWriting(file);
  } catch (e) {
    throw new EventLogError(
      "input_invalid",
      `cannot write ${file} (${(e as Error).message}); check --output`,
      { cause: e },
    );
  }
}

export default defineCommand({
  meta: {
    name: "export",
    description: "Write events as JSONL that 'import' loads into another database",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      valueHint: "file",
      description: "Write to this file (replaced only when complete) instead of stdout",
    },
    ...rangeArgs,
    ...filterArgs,
    ...selectArgs,
    verify: {
      type: "boolean",
      description:
        "Check each event's hash and chain link before writing it; exit 1 at the first that breaks",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog export -o events.jsonl",
      "forge-eventlog export --from 5000 > recent.jsonl",
      "forge-eventlog export --since 1d -o today.jsonl",
      "forge-eventlog export --db live.db | forge-eventlog import - --db copy.db",
      "forge-eventlog export --verify -o checked.jsonl",
    ],
    notes: [
      "One event per line, the same objects as 'replay --json'. Imported into an empty database, a whole export reproduces the same events, hashes and timelines.",
      "--verify checks each event's hash and chain link before writing it; at the first that breaks it exits 1 naming the sequence, and with -o leaves no output file.",
    ],
    exit1: "no such database, or --verify met an event whose hash or chain link breaks",
  },
  async run({ args }) {
    const range = parseRange(args);
    const filter = parseFilter(args);
    const selection = parseSelection(args);
    const target = args.output === undefined ? undefined : resolve(args.output);
    await withReadLog(openReadLog(args), async (store) => {
      const temp = target && `${target}.tmp-${process.pid}`;
      const file = temp === undefined ? undefined : openOutput(temp);
      const out = new LineWriter(file && fileSink(file.fd));
      let count = 0;
      try {
        const read = [
          range.after,
          { ...filter, verifyChain: args.verify === true },
          selection,
          range.to,
        ] as const;
        const stored = store.store;
        if (stored) {
          for (const e of selectStoredEvents((a, f) => stored.sinceJson(a, f), ...read)) {
            const written = out.lineBytes(e.bytes);
            if (written) await written;
            count++;
          }
        } else {
          for await (const e of selectEvents(store, ...read)) {
            await out.line(eventJsonLine(e));
            count++;
          }
        }
        await out.flush();
        file?.close();
        if (temp && target) renameSync(temp, target);
      } catch (e) {
        if (file && temp) {
          file.close();
          rmSync(temp, { force: true });
        }
        throw e;
      }
      log.success(`exported ${count} events${target ? ` to ${target}` : ""}`);
    });
  },
});
