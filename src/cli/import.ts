import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { describeError, EventLogError, isEventLogError } from "../errors.ts";
import { collectGarbage } from "../io/collect-garbage.ts";
import { writeAllSync } from "../io/write-all.ts";
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

/** Bytes read at a time; memory stays bounded by this and the longest line, not the file. */
const CHUNK_BYTES = 1 << 20;

/**
 * Nothing is kept per line, but JavaScriptCore lets a busy heap grow with the input before it
 * collects (a 200 MB export peaked at 368 MB RSS); a collection every so many lines keeps the
 * peak flat (132 MB for the same file).
 */
const GC_EVERY_LINES = 10_000;

interface Line {
  number: number;
  text: string;
}

/** The lines of an open file, read synchronously chunk by chunk (a transaction must be synchronous). */
function* readLines(fd: number): Generator<Line> {
  const buffer = new Uint8Array(CHUNK_BYTES);
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let number = 0;
  for (;;) {
    const got = readSync(fd, buffer, 0, buffer.length, null);
    if (got === 0) break;
    pending += decoder.decode(buffer.subarray(0, got), { stream: true });
    let start = 0;
    for (let at = pending.indexOf("\n"); at >= 0; at = pending.indexOf("\n", start)) {
      yield { number: ++number, text: pending.slice(start, at) };
      start = at + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending !== "") yield { number: ++number, text: pending };
}

/** The input as a file that can be read twice: the file itself, or stdin spooled to a temp file. */
async function openInput(file: string): Promise<{ name: string; path: string; done(): void }> {
  if (file === "-") {
    const dir = mkdtempSync(join(tmpdir(), "forge-eventlog-import-"));
    const path = join(dir, "stdin.jsonl");
    const fd = openSync(path, "w");
    try {
      for await (const chunk of process.stdin) {
        writeAllSync(fd, typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      }
    } finally {
      closeSync(fd);
    }
    return { name: "stdin", path, done: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new EventLogError("input_not_found", `no file at ${path}; check the path to the export`);
  }
  if (statSync(path).isDirectory()) {
    throw new EventLogError("input_invalid", `${path} is a directory; give the export's file`);
  }
  return { name: path, path, done: () => {} };
}

/** Runs `fn` on every event line of the input, streamed; blank lines are skipped. */
function eachEvent(
  path: string,
  name: string,
  checkPayload: boolean,
  fn: (event: ExportedEvent, where: string) => void,
): number {
  const fd = openSync(path, "r");
  let count = 0;
  try {
    for (const line of readLines(fd)) {
      const source = line.text.trim();
      if (source === "") continue;
      const where = `line ${line.number} of ${name}`;
      fn(parseLine(where, source, checkPayload), where);
      if (++count % GC_EVERY_LINES === 0) collectGarbage();
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

const NON_FINITE = /(?<![\w"])(NaN|-?Infinity)(?![\w"])/;

/** One line of an export, checked as the store will check it. */
function parseLine(where: string, source: string, checkPayload: boolean): ExportedEvent {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    const hint = NON_FINITE.test(source) ? " (NaN and Infinity have no JSON form)" : "";
    throw new EventLogError(
      "malformed_line",
      `${where} is not JSON (${(e as Error).message})${hint}; an export holds one event object per line`,
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
    throw new EventLogError("malformed_line", `${where}: field "occurred_at": ${describeError(e)}`);
  }
  if (checkPayload) {
    try {
      canonicalJson(parsed.data.payload); // 1e400 parses as Infinity: no JSON form
    } catch (e) {
      if (!isEventLogError(e)) throw e;
      throw new EventLogError(e.code, `${where}: field "payload": ${e.message}`, { cause: e });
    }
  }
  return parsed.data;
}

function sameEvent(a: StoredEvent, b: ExportedEvent): boolean {
  return sameEventContent(a, {
    kind: b.kind,
    payload_json: canonicalJson(b.payload),
    task_id: b.task_id ?? null,
    saga_id: b.saga_id ?? null,
  });
}

/**
 * Streams the input a second time and appends it in one transaction: all of it is stored, or
 * on any conflict none.
 */
function load(store: EventStore, input: { name: string; path: string }) {
  let imported = 0;
  let present = 0;
  let lines = 0;
  store.transaction(() => {
    lines = eachEvent(input.path, input.name, false, (e, where) => {
      const existing = store.eventById(e.event_id);
      if (existing) {
        if (!sameEvent(existing, e)) {
          throw new EventLogError(
            "import_conflict",
            `${where}: event ${e.event_id} already exists in ${store.path} as sequence ${existing.sequence} with different content; nothing was imported (import into a fresh database)`,
          );
        }
        present++;
        return;
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
    });
  }, `importing ${input.name}`);
  return { imported, present, lines };
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
    const input = await openInput(args.file);
    try {
      // Every line is checked before the database is even opened; the load streams it again.
      eachEvent(input.path, input.name, true, () => {});
      await withStore(openWrite(args, true), async (store) => {
        const { imported, present, lines } = load(store, input);
        if (args.json) {
          const out = new LineWriter();
          await out.line(jsonLine({ path: store.path, lines, imported, already_present: present }));
          await out.flush();
        }
        log.success(`imported ${imported} events into ${store.path} (${present} already present)`);
      });
    } finally {
      input.done();
    }
  },
});
