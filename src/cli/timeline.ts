import { EventLogError } from "../errors.ts";
import { renderTimelines, sortedTasks } from "../replay/render-timeline.ts";
import { currentTimelines } from "../replay/timeline-projection.ts";
import { applyEvent, emptyTimelines, type Timelines } from "../replay/timeline-state.ts";
import type { EventStore } from "../store/event-store.ts";
import { openProjection, openRead, withStore } from "./common/database.ts";
import { parseOptionalWhole } from "./common/options.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

/** Every timeline rebuilt from sequence 0 over chain-checked events only. */
function verifiedTimelines(store: EventStore): Timelines {
  const t = emptyTimelines();
  for (const e of store.since(0, { verifyChain: true })) applyEvent(t, e);
  return t;
}

export default defineCommand({
  meta: {
    name: "timeline",
    description: "Task timelines rebuilt from the durable log (per issue), and the loop's halts",
  },
  args: {
    issue: { type: "string", valueHint: "n", description: "Only the timeline of issue <n>" },
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
    await withStore(verifying ? openRead(args) : openProjection(args), async (store) => {
      const all = verifying ? verifiedTimelines(store) : currentTimelines(store);
      if (issue !== undefined) {
        const task = all.tasks.get(issue);
        if (!task) {
          throw new EventLogError(
            "check_failed",
            `issue ${issue} does not appear in ${store.path}; list the issues with 'forge-eventlog timeline'`,
          );
        }
        all.tasks = new Map([[issue, task]]);
      }
      const out = new LineWriter();
      if (args.json) {
        for (const task of sortedTasks(all)) await out.line(jsonLine(task));
      } else {
        for (const line of renderTimelines(all).split("\n")) await out.line(line);
      }
      await out.flush();
      if (all.tasks.size === 0) log.info("the log holds no task events yet");
    });
  },
});
