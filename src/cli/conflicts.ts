import { openRead, withStore } from "./common/database.ts";
import { parseWhole } from "./common/options.ts";
import { jsonLine, LineWriter, renderTable, shortTime } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "conflicts",
    description: "Events refused because their idempotency key holds other content",
  },
  args: {
    limit: {
      type: "string",
      valueHint: "n",
      description: "Show at most this many (default 100)",
    },
    ...globalArgs,
  },
  help: {
    examples: ["forge-eventlog conflicts", "forge-eventlog conflicts --json | jq .payload_json"],
    notes: [
      "A conflict is an event whose key was already stored with other content: the stored event is kept, the refused one is listed here with the sequence holding its key and the line it came from. Read-only.",
    ],
  },
  async run({ args }) {
    const limit = args.limit === undefined ? 100 : parseWhole(args.limit, "--limit");
    await withStore(openRead(args), async (store) => {
      const rows = store.listConflicts(limit);
      const out = new LineWriter();
      if (args.json) for (const r of rows) await out.line(jsonLine(r));
      else if (rows.length === 0) log.info("no conflicts");
      else {
        const lines = renderTable(rows, [
          { header: "ID", value: (r) => String(r.id), align: "right" },
          { header: "SEQ", value: (r) => String(r.existing_sequence), align: "right" },
          { header: "KIND", value: (r) => r.kind },
          { header: "RECORDED (UTC)", value: (r) => shortTime(r.recorded_at) },
          {
            header: "SOURCE",
            value: (r) =>
              r.source === null
                ? "-"
                : `${r.source}${r.line_number === null ? "" : `:${r.line_number}`}`,
          },
          { header: "KEY", value: (r) => r.idempotency_key },
        ]);
        for (const line of lines) await out.line(line);
      }
      await out.flush();
    });
  },
});
