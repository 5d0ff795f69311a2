import { resolve } from "node:path";
import { EventLogError } from "../errors.ts";
import { replaceFile } from "../io/replace-file.ts";
import { reportHtml } from "../report/build.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import { parseOptionalWhole } from "./common/options.ts";
import { pickSource, sourceArg } from "./common/source.ts";
import { parseWindow, windowArgs } from "./common/time.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

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
    since: windowArgs.since,
    source: sourceArg("to report on"),
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
    const { since } = parseWindow(args);
    const file = resolve(args.output ?? "loop.html");
    await withReadLog(openReadLog(args), async (store) => {
      const source = await pickSource(store, args.source);
      const html = await reportHtml(store, {
        since: since === undefined ? undefined : new Date(since),
        issue,
        source,
      });
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
