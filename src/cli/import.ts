import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { z } from "zod";
import { canonicalJson } from "../encoding/python-json.ts";
import { describeError, EventLogError, isEventLogError } from "../errors.ts";
import { eventRowSchema, sameEventContent } from "../store/event-columns.ts";
import type { EventStore } from "../store/event-store.ts";
import { type StoredEvent, storedEventSchema } from "../store/record.ts";
import { toOccurredAt } from "../store/time.ts";
import { openWrite, withStore } from "./common/database.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

/** One line of an export; other fields (sequence, hashes) are recomputed by the target. */
const exportedEvent = eventRowSchema
  .pick({ event_id: true, kind: true, occurred_at: true })
  .extend({ payload: storedEventSchema.shape.payload })
  .extend(
    eventRowSchema
      .pick({
        task_id: true,
        saga_id: true,
        causal_event_id: true,
        causal_sequence: true,
        idempotency_key: true,
      })
      .partial().shape,
  );
type ExportedEvent = z.infer<typeof exportedEvent>;

interface Line {
  number: number;
  event: ExportedEvent;
}

function readInput(file: string): { name: string; text: string } {
  if (file === "-") return { name: "stdin", text: readFileSync(0, "utf8") };
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new EventLogError("input_not_found", `no file at ${path}; check the path to the export`);
  }
  if (statSync(path).isDirectory()) {
    throw new EventLogError("input_invalid", `${path} is a directory; give the export's file`);
  }
  return { name: path, text: readFileSync(path, "utf8") };
}

/** Every line is checked before anything is written. */
function parseLines(name: string, text: string): Line[] {
  const lines: Line[] = [];
  const raw = text.split("\n");
  for (let i = 0; i < raw.length; i++) {
    const source = raw[i]!.trim();
    if (source === "") continue;
    const where = `line ${i + 1} of ${name}`;
    let json: unknown;
    try {
      json = JSON.parse(source);
    } catch (e) {
      throw new EventLogError(
        "malformed_line",
        `${where} is not JSON (${(e as Error).message}); an export holds one event object per line`,
      );
    }
    const parsed = exportedEvent.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? `field "${issue.path.join(".")}"` : "the line";
      throw new EventLogError(
        "malformed_line",
        `${where}: ${field}: ${issue?.message ?? "invalid"}; is it an export from 'forge-eventlog export'?`,
      );
    }
    try {
      toOccurredAt(parsed.data.occurred_at);
    } catch (e) {
      throw new EventLogError(
        "malformed_line",
        `${where}: field "occurred_at": ${describeError(e)}`,
      );
    }
    lines.push({ number: i + 1, event: parsed.data });
  }
  return lines;
}

function sameEvent(a: StoredEvent, b: ExportedEvent): boolean {
  return sameEventContent(a, {
    kind: b.kind,
    payload_json: canonicalJson(b.payload),
    task_id: b.task_id ?? null,
    saga_id: b.saga_id ?? null,
  });
}

/** Appends the lines in one transaction: all are stored, or on any conflict none. */
function load(store: EventStore, name: string, lines: Line[]) {
  let imported = 0;
  let present = 0;
  store.transaction(() => {
    for (const { number, event: e } of lines) {
      const where = `line ${number} of ${name}`;
      const existing = store.eventById(e.event_id);
      if (existing) {
        if (!sameEvent(existing, e)) {
          throw new EventLogError(
            "import_conflict",
            `${where}: event ${e.event_id} already exists in ${store.path} as sequence ${existing.sequence} with different content; nothing was imported (import into a fresh database)`,
          );
        }
        present++;
        continue;
      }
      // The causal event's sequence in this database, when it is here.
      const cause = e.causal_event_id ? store.eventById(e.causal_event_id) : undefined;
      let result: ReturnType<EventStore["append"]>;
      try {
        result = store.append(e.kind, e.payload, {
          eventId: e.event_id,
          occurredAt: e.occurred_at,
          taskId: e.task_id ?? null,
          sagaId: e.saga_id ?? null,
          idempotencyKey: e.idempotency_key ?? null,
          causalEventId: e.causal_event_id ?? null,
          causalSequence: cause ? Number(cause.sequence) : (e.causal_sequence ?? null),
        });
      } catch (err) {
        if (isEventLogError(err) && !err.code.startsWith("db_")) {
          throw new EventLogError(err.code, `${where}: ${err.message}`, { cause: err });
        }
        throw err;
      }
      if (result.outcome === "conflict") {
        throw new EventLogError(
          "import_conflict",
          `${where}: idempotency key ${JSON.stringify(e.idempotency_key)} is already used by event ${result.event.event_id} (sequence ${result.event.sequence}) with different content; nothing was imported`,
        );
      }
      if (result.outcome === "appended") imported++;
      else present++;
    }
  }, `importing ${name}`);
  return { imported, present };
}

export default defineCommand({
  meta: {
    name: "import",
    description: "Load an export into a database; re-importing adds nothing",
  },
  args: {
    file: {
      type: "positional",
      required: true,
      valueHint: "file",
      description: "The JSONL export to load, or - for stdin",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog import events.jsonl --db restored.db",
      "forge-eventlog export --db live.db | forge-eventlog import - --db copy.db",
    ],
    notes: [
      "Keeps each event's event_id, kind, payload, task and saga ids, idempotency key and occurred_at. Events already present (same event_id or idempotency key, same content) are skipped; a different event under the same id is a conflict and nothing is imported.",
    ],
    exit1:
      "no such file, an event conflicts with one already in the database, or the database is locked or unwritable",
  },
  async run({ args }) {
    const input = readInput(args.file);
    const lines = parseLines(input.name, input.text);
    await withStore(openWrite(args, true), async (store) => {
      const { imported, present } = load(store, input.name, lines);
      if (args.json) {
        const out = new LineWriter();
        await out.line(
          jsonLine({ path: store.path, lines: lines.length, imported, already_present: present }),
        );
        await out.flush();
      }
      log.success(`imported ${imported} events into ${store.path} (${present} already present)`);
    });
  },
});
