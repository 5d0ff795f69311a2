import { resolve } from "node:path";
import { EventLogError } from "../errors.ts";
import { replaceFile } from "../io/replace-file.ts";
import { reportHtml } from "../report/build.ts";
import { openRead, withStore } from "./common/database.ts";
import { parseDuration, parseOptionalWhole } from "./common/options.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { log } from "./framework/terminal.ts";

/** `24h`, `30m` (that long ago) or an ISO time. */
export function parseSince(value: string, now = new Date()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const at = new Date(value.trim());
    if (Number.isNaN(at.getTime())) {
      throw usageError(`--since ${JSON.stringify(value)} is not a time; e.g. 2026-06-02T12:00Z`);
    }
    return at;
  }
  return new Date(now.getTime() - parseDuration(value, "--since"));
}

export default defineCommand({
  meta: {
    name: "report",
    description: "Write the loop as one self-contained HTML page: timeline, summary, issues",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      valueHint: "file",
      description: "The HTML file to write (replaced in one rename)",
      default: "loop.html",
    },
    since: {
      type: "string",
      valueHint: "when",
      description: "Only events since then: a duration ago (24h, 30m) or an ISO time",
    },
    issue: { type: "string", valueHint: "n", description: "Only issue <n>'s lane, row and story" },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog report -o loop.html",
      "forge-eventlog report --since 24h -o today.html",
      "forge-eventlog report --issue 167 -o issue-167.html",
    ],
    notes: [
      "One file with everything inlined (no network, fonts or scripts from elsewhere): mail it or open it offline. The summary and the table work without JavaScript; sorting, filtering and opening a story from the timeline use it.",
      "Logs with more than 300 issues show the issues ended per hour instead of one lane each; the table lists the latest 10,000 issues; stories are embedded up to 300 issues.",
    ],
    exit1: "no such database, or --issue names an issue the log never mentions",
  },
  async run({ args }) {
    const issue = parseOptionalWhole(args.issue, "--issue", 0);
    const since = args.since === undefined ? undefined : parseSince(args.since);
    const file = resolve(args.output ?? "loop.html");
    await withStore(openRead(args), async (store) => {
      const html = reportHtml(store, { since, issue });
      if (issue !== undefined && !html.includes(`id="issue-${issue}"`)) {
        throw new EventLogError(
          "check_failed",
          `issue ${issue} does not appear in ${store.path}; list the issues with 'forge-eventlog timeline'`,
        );
      }
      replaceFile(file, html);
      log.info(`wrote ${file} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB)`);
    });
  },
});
