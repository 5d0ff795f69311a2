import { EventLogError } from "../errors.ts";
import { type RetryOutcome, retryQuarantined } from "../follow/retry-quarantined.ts";
import type { QuarantinedLine } from "../store/quarantine.ts";
import { openRead, openWrite, withStore } from "./common/database.ts";
import { parseWhole } from "./common/options.ts";
import { jsonLine, LineWriter, renderTable } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

const EXCERPT = 60;

/** The start of a raw line on one row: control characters escaped, cut with an ellipsis. */
function excerpt(raw: string): string {
  const flat = JSON.stringify(raw).slice(1, -1);
  return flat.length <= EXCERPT ? flat : `${flat.slice(0, EXCERPT - 1)}…`;
}

const limitArg = {
  limit: { type: "string", valueHint: "n", description: "Show at most this many (default 100)" },
} as const;

const list = defineCommand({
  meta: {
    name: "list",
    description: "List quarantined lines: source, line, offset, reason, excerpt",
  },
  args: { ...limitArg, ...globalArgs },
  async run({ args }) {
    const limit = args.limit === undefined ? 100 : parseWhole(args.limit, "--limit", 1);
    await withStore(openRead(args), async (store) => {
      const rows = store.listQuarantine(limit);
      const out = new LineWriter();
      if (args.json) for (const r of rows) await out.line(jsonLine(r));
      else if (rows.length === 0) log.info("no quarantined lines");
      else {
        const lines = renderTable(rows, [
          { header: "ID", value: (r) => String(r.id), align: "right" },
          { header: "SOURCE", value: (r) => r.source },
          {
            header: "LINE",
            value: (r) => (r.lineNumber === null ? "-" : String(r.lineNumber)),
            align: "right",
          },
          {
            header: "OFFSET",
            value: (r) => (r.byteOffset === null ? "-" : String(r.byteOffset)),
            align: "right",
          },
          { header: "REASON", value: (r) => r.reason },
          { header: "LINE TEXT", value: (r) => excerpt(r.raw) },
        ]);
        for (const line of lines) await out.line(line);
        const total = store.countQuarantine();
        if (total > rows.length)
          log.info(`${rows.length} of ${total} shown; --limit ${total} for all`);
      }
      await out.flush();
    });
  },
});

function describe(r: QuarantinedLine, o: RetryOutcome): string {
  const where = `#${r.id} ${r.source}:${r.lineNumber ?? "-"}`;
  switch (o.status) {
    case "mirrored":
      return `${where}: mirrored (${o.appended} events appended, ${o.duplicates} already stored)`;
    case "skipped":
      return `${where}: a kind nobody maps (${o.kind}); released from the quarantine`;
    case "still_refused":
      return `${where}: still refused (${o.reason}); fix line ${r.lineNumber} of ${r.source} and retry`;
    case "unreadable":
      return `${where}: cannot re-read it: ${o.reason}`;
  }
}

const retry = defineCommand({
  meta: {
    name: "retry",
    description:
      "Re-read quarantined lines from their files (after fixing them) and mirror those that pass",
  },
  args: {
    id: {
      type: "positional",
      required: false,
      valueHint: "id",
      description: "Only this quarantined line (its ID in 'quarantine list'); default: all",
    },
    ...globalArgs,
  },
  async run({ args }) {
    const id = args.id === undefined ? undefined : parseWhole(args.id, "<id>", 1);
    await withStore(openWrite(args), async (store) => {
      let rows: QuarantinedLine[];
      if (id === undefined) rows = store.listQuarantine(Number.MAX_SAFE_INTEGER);
      else {
        const row = store.quarantinedLine(id);
        if (!row) {
          throw new EventLogError(
            "input_not_found",
            `no quarantined line ${id} in ${store.path} (retried already, or never there); list them with 'forge-eventlog quarantine'`,
          );
        }
        rows = [row];
      }
      const out = new LineWriter();
      let refused = 0;
      for (const row of rows) {
        const outcome = retryQuarantined(store, row);
        if (outcome.status === "still_refused" || outcome.status === "unreadable") refused++;
        if (args.json)
          await out.line(
            jsonLine({ id: row.id, source: row.source, line_number: row.lineNumber, ...outcome }),
          );
        else log.info(describe(row, outcome));
      }
      await out.flush();
      if (rows.length === 0) log.info("no quarantined lines to retry");
      else log.info(`${rows.length - refused} of ${rows.length} released from the quarantine`);
      if (refused > 0) {
        throw new EventLogError(
          "check_failed",
          `${refused} quarantined line${refused === 1 ? " is" : "s are"} still refused or unreadable (listed above); fix ${refused === 1 ? "it" : "them"} in the file and retry`,
        );
      }
    });
  },
});

export default defineCommand({
  meta: {
    name: "quarantine",
    description: "List quarantined JSONL lines, and retry them after a fix",
  },
  subCommands: { list, retry },
  default: "list",
  help: {
    examples: [
      "forge-eventlog quarantine",
      "forge-eventlog quarantine --json | jq -r .reason",
      "forge-eventlog quarantine retry",
      "forge-eventlog quarantine retry 12",
    ],
    notes: [
      "A line mirror could not store (not JSON, wrong field types, too long) is kept in the quarantine with its file, line number, byte offset and reason; its neighbours are mirrored.",
      "To recover one: fix that line in the file (its line number stays the same), then 'quarantine retry'. The line is read again; if it passes now its events are stored and it leaves the quarantine in one transaction. Retrying again is harmless: a released line is gone, and its events are never stored twice. A saved mirror position later in the same file is moved with the bytes the fix added or removed.",
      "retry reads the file the line was read from; after a rotation that is the path the list shows, which may now be an older file: fix the rotated copy the line is in.",
    ],
    exit1:
      "retry: some line is still refused or cannot be re-read (each is listed); no such database",
  },
});
