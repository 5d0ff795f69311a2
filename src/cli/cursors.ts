import { EventLogError } from "../errors.ts";
import type { CursorRow } from "../store/cursors.ts";
import type { EventStore } from "../store/event-store.ts";
import { openReadLog, openWrite, withReadLog, withStore } from "./common/database.ts";
import { parseWhole } from "./common/options.ts";
import { cursorColumns, jsonLine, LineWriter, renderTable } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

const nameArg = {
  name: {
    type: "positional",
    required: true,
    valueHint: "name",
    description: "The projection's cursor name",
  },
} as const;

function existing(store: EventStore, name: string): CursorRow {
  const row = store.listCursors().find((c) => c.name === name);
  if (!row) {
    throw new EventLogError(
      "cursor_not_found",
      `no cursor named ${JSON.stringify(name)} in ${store.path}; list them with 'forge-eventlog cursors'`,
    );
  }
  return row;
}

async function printMove(json: boolean | undefined, name: string, from: number, store: EventStore) {
  const row = existing(store, name);
  if (json) {
    const out = new LineWriter();
    await out.line(jsonLine({ ...row, previous: from }));
    await out.flush();
  }
  log.success(`cursor ${name}: ${from} -> ${row.sequence} (lag ${row.lag})`);
}

const list = defineCommand({
  meta: { name: "list", description: "List the projection cursors with their sequence and lag" },
  args: { ...globalArgs },
  async run({ args }) {
    await withReadLog(openReadLog(args), async (store) => {
      const cursors = await store.listCursors();
      const out = new LineWriter();
      if (args.json) for (const c of cursors) await out.line(jsonLine(c));
      else if (cursors.length === 0) log.info("no projection cursors");
      else for (const line of renderTable(cursors, cursorColumns)) await out.line(line);
      await out.flush();
    });
  },
});

const set = defineCommand({
  meta: { name: "set", description: "Move a cursor to a sequence (forward only unless --rewind)" },
  args: {
    ...nameArg,
    sequence: {
      type: "positional",
      required: true,
      valueHint: "seq",
      description: "The new sequence, or 'head' for the latest event",
    },
    rewind: {
      type: "boolean",
      description: "Allow moving the cursor back (its projection re-reads the events after it)",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog cursors set timeline 1200",
      "forge-eventlog cursors set timeline head",
      "forge-eventlog cursors set timeline 900 --rewind",
    ],
    notes: [
      "The contract's rules: a cursor never passes the latest sequence, and moves back only with --rewind. A cursor that does not exist yet reads 0.",
    ],
  },
  async run({ args }) {
    await withStore(openWrite(args), async (store) => {
      const target =
        args.sequence === "head"
          ? store.latestSequence()
          : parseWhole(args.sequence, "<sequence>", 0);
      const from = store.getCursor(args.name);
      store.setCursor(args.name, target, { rewind: args.rewind === true });
      await printMove(args.json, args.name, from, store);
    });
  },
});

const reset = defineCommand({
  meta: { name: "reset", description: "Rewind a cursor to 0 so its projection rebuilds" },
  args: { ...nameArg, ...globalArgs },
  help: { examples: ["forge-eventlog cursors reset timeline"] },
  async run({ args }) {
    await withStore(openWrite(args), async (store) => {
      const from = existing(store, args.name).sequence;
      store.setCursor(args.name, 0, { rewind: true });
      await printMove(args.json, args.name, from, store);
    });
  },
});

const remove = defineCommand({
  meta: { name: "delete", description: "Remove a cursor (a missing cursor reads 0)" },
  args: { ...nameArg, ...globalArgs },
  help: { examples: ["forge-eventlog cursors delete old-projection"] },
  async run({ args }) {
    await withStore(openWrite(args), async (store) => {
      const row = existing(store, args.name);
      store.deleteCursor(args.name);
      if (args.json) {
        const out = new LineWriter();
        await out.line(jsonLine({ name: row.name, deleted: true, previous: row.sequence }));
        await out.flush();
      }
      log.success(`cursor ${row.name} deleted (was at ${row.sequence})`);
    });
  },
});

export default defineCommand({
  meta: { name: "cursors", description: "List projection cursors, or set, reset or delete one" },
  args: { ...globalArgs },
  default: "list",
  subCommands: { list, set, reset, delete: remove },
  help: {
    examples: [
      "forge-eventlog cursors",
      "forge-eventlog cursors --json",
      "forge-eventlog cursors set timeline head",
      "forge-eventlog cursors reset timeline",
    ],
    exit1: "no such cursor or database, or the database is locked or unreadable",
  },
});
