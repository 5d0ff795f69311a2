import { gcTopics } from "../fmail/gc.ts";
import { normalizeTopic } from "../fmail/names.ts";
import { fmailRootFor } from "./common/database.ts";
import { parseWhole } from "./common/options.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "gc",
    description: "Delete fmail messages older than N days (per topic, age from the message ID)",
  },
  args: {
    days: {
      type: "string",
      valueHint: "n",
      description: "Delete messages older than n days (required)",
    },
    topic: {
      type: "string",
      valueHint: "topic",
      description: "Only this topic (default: every topic)",
    },
    "dry-run": { type: "boolean", description: "List what would be deleted, delete nothing" },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog gc --topic forge-events --days 1",
      "forge-eventlog gc --days 7 --dry-run",
    ],
    notes: [
      "A message's age comes from its ID's YYYYMMDD-HHMMSS prefix. Only files named like a message (YYYYMMDD-HHMMSS-NNNN.json) are deleted; a topic folder that is a symlink or leads outside the fmail root is skipped with a warning. Direct messages are not touched.",
    ],
  },
  async run({ args }) {
    if (args.days === undefined) throw usageError("gc needs --days <n>, e.g. --days 1");
    const days = parseWhole(args.days, "--days", 0);
    const { root } = fmailRootFor(args);
    const result = gcTopics(root, {
      days,
      dryRun: args["dry-run"] === true,
      ...(args.topic === undefined ? {} : { topic: normalizeTopic(args.topic) }),
    });
    for (const s of result.skipped) {
      log.warn(`skipped ${s.path}: it is ${s.reason}; gc never leaves the fmail root`);
    }
    const out = new LineWriter();
    for (const path of result.removed) {
      await out.line(args.json ? jsonLine({ path, removed: !result.dryRun }) : path);
    }
    await out.flush();
    const verb = result.dryRun ? "would delete" : "deleted";
    log.info(`${verb} ${result.removed.length} message(s) older than ${days} day(s)`);
  },
});
