import { randomUUID } from "node:crypto";
import { canonicalJson } from "../encoding/python-json.ts";
import { EventLogError } from "../errors.ts";
import { eventHash, GENESIS_HASH } from "./chain.ts";
import type { StoreContext } from "./context.ts";
import { isEventKind } from "./kinds.ts";
import { rowToEvent } from "./read.ts";
import type { AppendInput, AppendResult, StoredEvent } from "./record.ts";
import { toOccurredAt } from "./time.ts";
import { writeTransaction } from "./transaction.ts";

export const SCHEMA_VERSION = 1;

const INSERT = `INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id,
  saga_id, causal_event_id, causal_sequence, idempotency_key, prev_hash, event_hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const HEAD = "SELECT event_hash FROM events ORDER BY sequence DESC LIMIT 1";
const EVENT_ID = /^[0-9a-f]{32}$/;
const BY_KEY = "SELECT * FROM events WHERE idempotency_key = ?";

/** An event checked and encoded outside the transaction, so the lock is held briefly. */
interface Prepared {
  input: AppendInput;
  event: Omit<StoredEvent, "sequence" | "prev_hash" | "event_hash">;
}

/** `prepareEvent`, with any refusal naming the database it was meant for. */
function prepare(path: string, input: AppendInput): Prepared {
  try {
    return prepareEvent(input);
  } catch (e) {
    if (!(e instanceof EventLogError)) throw e;
    throw new EventLogError(e.code, `cannot append to ${path}: ${e.message}`, { cause: e });
  }
}

function prepareEvent(input: AppendInput): Prepared {
  if (!isEventKind(input.kind)) {
    throw new EventLogError(
      "unknown_kind",
      `unknown event kind ${JSON.stringify(input.kind)}: forge-loop's reader accepts only the contract's kinds (see EVENT_KINDS); record new facts in the payload or an extension table`,
    );
  }
  const payload = input.payload;
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new EventLogError(
      "invalid_event",
      `payload of a ${input.kind} event must be a JSON object`,
    );
  }
  if (input.eventId != null && !EVENT_ID.test(input.eventId)) {
    throw new EventLogError(
      "invalid_event",
      `event_id ${JSON.stringify(input.eventId)} is not 32 lowercase hex characters (uuid4 hex)`,
    );
  }
  return {
    input,
    event: {
      event_id: input.eventId ?? randomUUID().replaceAll("-", ""),
      kind: input.kind,
      payload,
      payload_json: canonicalJson(payload),
      schema_version: SCHEMA_VERSION,
      occurred_at: toOccurredAt(input.occurredAt ?? new Date()),
      task_id: input.taskId ?? null,
      saga_id: input.sagaId ?? null,
      causal_event_id: input.causalEventId ?? null,
      causal_sequence: input.causalSequence ?? null,
      idempotency_key: input.idempotencyKey ?? null,
    },
  };
}

function sameEvent(a: StoredEvent, b: Prepared["event"]): boolean {
  return (
    a.kind === b.kind &&
    a.payload_json === b.payload_json &&
    a.task_id === b.task_id &&
    a.saga_id === b.saga_id
  );
}

/** Inside an open write transaction: the idempotency check, then the chained insert. */
function insertOne(ctx: StoreContext, p: Prepared, head: { hash: string }): AppendResult {
  const key = p.event.idempotency_key;
  if (key !== null) {
    const row = ctx.stmt(BY_KEY).get(key);
    if (row) {
      const existing = rowToEvent(row);
      return { outcome: sameEvent(existing, p.event) ? "duplicate" : "conflict", event: existing };
    }
  }
  const e = p.event;
  const prev_hash = head.hash;
  const event_hash = eventHash({ ...e, prev_hash });
  const { lastInsertRowid } = ctx
    .stmt(INSERT)
    .run(
      e.event_id,
      e.kind,
      e.payload_json,
      e.schema_version,
      e.occurred_at,
      e.task_id,
      e.saga_id,
      e.causal_event_id,
      e.causal_sequence,
      key,
      prev_hash,
      event_hash,
    );
  head.hash = event_hash;
  return { outcome: "appended", event: { ...e, sequence: lastInsertRowid, prev_hash, event_hash } };
}

function readHead(ctx: StoreContext): { hash: string } {
  const row = ctx.stmt(HEAD).get<{ event_hash: string }>();
  return { hash: row?.event_hash ?? GENESIS_HASH };
}

export function append(ctx: StoreContext, input: AppendInput): AppendResult {
  const p = prepare(ctx.path, input);
  return writeTransaction(ctx, `appending a ${input.kind} event`, () =>
    insertOne(ctx, p, readHead(ctx)),
  );
}

/** All inputs in one transaction: all stored or, on a failure, none. */
export function appendBatch(ctx: StoreContext, inputs: readonly AppendInput[]): AppendResult[] {
  if (inputs.length === 0) return [];
  const prepared = inputs.map((input) => prepare(ctx.path, input));
  return writeTransaction(ctx, `appending a batch of ${inputs.length} events`, () => {
    const head = readHead(ctx);
    return prepared.map((p) => insertOne(ctx, p, head));
  });
}
