import { EventLogError } from "../errors.ts";
import { renderTimelines, sortedTasks } from "../replay/render-timeline.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import { parseOptionalWhole } from "./common/options.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "timeline",
    description: "Task timelines rebuilt from the durable log (per issue), and the loop's halts",
  },
  args: {
    issue: { type: "string", valueHint: "n", description: "Only the timeline of issue <n>" },
    source: {
      type: "string",
      valueHint: "name",
      description: "PostgreSQL log: only the runner shipped as <name> (default: each runner)",
    },
    verify: {
      type: "boolean",
      description:
        "Check each event's hash and chain link before using it; exit 1 at the first that breaks",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog timeline",
      "forge-eventlog timeline --issue 167",
      "forge-eventlog timeline --json | jq 'select(.terminal == \"failed\")'",
      "forge-eventlog timeline --verify --issue 167",
    ],
    notes: [
      "Built by the stored timeline projection (cursor 'timeline'): each run applies only the events since the last, and stores the result when the database is writable; a read-only file, or one another tool wrote, is read without writing. Shows ticks, planned, dispatches, watchdog progress, terminal state and status, critic verdicts, PR and whether it merged or was blocked, worktree reaped, last sequence.",
      "--json prints one task timeline per line.",
      "--verify rebuilds the timelines from the first event, in memory, checking each event's hash and chain link (the stored projection is neither read nor written); it exits 1 naming the first sequence that breaks.",
    ],
    exit1:
      "no such database, --issue names an issue the log never mentions, or --verify met an event whose hash or chain link breaks",
  },
  async run({ args }) {
    const issue = parseOptionalWhole(args.issue, "--issue", 0);
    const verifying = args.verify === true;
    await withReadLog(openReadLog(args, { projection: !verifying }), async (store) => {
      const bySource = await store.timelines({ verify: verifying, source: args.source });
      // A PostgreSQL log holds one timeline set per source log: tick 7 of runner A is not
      // tick 7 of runner B, so each is shown under its own name.
      const fleet = store.engine === "postgres";
      if (issue !== undefined) {
        for (const [source, t] of bySource) {
          const task = t.tasks.get(issue);
          t.tasks = task ? new Map([[issue, task]]) : new Map();
          if (!task) bySource.delete(source);
        }
        if (bySource.size === 0) {
          throw new EventLogError(
            "check_failed",
            `issue ${issue} does not appear in ${store.path}; list the issues with 'forge-eventlog timeline'`,
          );
        }
      }
      const out = new LineWriter();
      let tasks = 0;
      for (const [source, all] of bySource) {
        tasks += all.tasks.size;
        if (args.json) {
          for (const task of sortedTasks(all)) {
            await out.line(jsonLine(fleet ? { source, ...task } : task));
          }
        } else {
          if (fleet) await out.line(`== ${source === "" ? "(written here)" : source} ==`);
          for (const line of renderTimelines(all).split("\n")) await out.line(line);
        }
      }
      await out.flush();
      if (tasks === 0) log.info("the log holds no task events yet");
    });
  },
});
