import { canonicalJson } from "../encoding/canonical-json.ts";
import { EventLogError } from "../errors.ts";
import { chainHash, chainTail, GENESIS_HASH } from "./chain.ts";
import type { StoreContext } from "./context.ts";
import { type RunResult, SQLITE, type SqlStatement } from "./driver.ts";
import {
  ENCODED_COLUMNS,
  type EncodedColumn,
  EVENT_ID_PATTERN,
  type EventRow,
  sameEventContent,
} from "./event-columns.ts";
import { orderedEventIds } from "./event-ids.ts";
import { isEventKind } from "./kinds.ts";
import { rowToEvent } from "./read.ts";
import { type AppendInput, type AppendResult, type StoredEvent, storedEvent } from "./record.ts";
import { EVENT_BY_KEY } from "./schema/contract.ts";
import { CHAINED_HEAD } from "./schema/nullable-chain.ts";
import { toOccurredAt } from "./time.ts";
import { writeTransaction } from "./transaction.ts";

const SCHEMA_VERSION = 1;

/** Ids for events appended without one: time-ordered, so the event_id index grows at its right edge. */
const newEventId = orderedEventIds();

const INSERTED = [...ENCODED_COLUMNS, "prev_hash", "event_hash"] as const;
const INSERT = `INSERT INTO events (${INSERTED.join(", ")}) VALUES (${INSERTED.map(() => "?").join(", ")})`;
/** Runs INSERT with an event's columns, compiled from ENCODED_COLUMNS: no array per row. */
const insertRow = new Function(
  "stmt",
  "e",
  "prev_hash",
  "event_hash",
  `return stmt.run(${ENCODED_COLUMNS.map((c) => `e.${c}`).join(", ")}, prev_hash, event_hash);`,
) as (stmt: SqlStatement, e: EncodedEvent, prevHash: string, eventHash: string) => RunResult;

/**
 * An event checked and encoded, ready for the chain: every column but its sequence and hashes,
 * plus `chain_tail`, the part of the hash input that does not depend on the chain head. Made by
 * `encodeEvent` outside the write transaction (or on another thread), so the lock is held
 * briefly. Only `encodeEvent` may build one (or unpackPlans, from encodeEvent's on another
 * thread): the tail must match the fields. The tail is text, or its UTF-8 bytes when the event
 * crossed between threads (plan-transport.ts).
 */
export type EncodedEvent = Pick<EventRow, EncodedColumn> & { chain_tail: string | Uint8Array };

/** What inserting an encoded event did: its place in the chain, or the event holding its key. */
export type InsertOutcome =
  | { outcome: "appended"; sequence: number; prev_hash: string; event_hash: string }
  | { outcome: "duplicate" | "conflict"; existing: StoredEvent };

/** `encodeEvent`, with any refusal naming the database it was meant for. */
function prepare(path: string, input: AppendInput): EncodedEvent {
  try {
    return encodeEvent(input);
  } catch (e) {
    if (!(e instanceof EventLogError)) throw e;
    throw new EventLogError(e.code, `cannot append to ${path}: ${e.message}`, { cause: e });
  }
}

/** Checks an append input and encodes it (canonical payload, contract time, id, chain tail). */
export function encodeEvent(input: AppendInput): EncodedEvent {
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
  if (input.eventId != null && !EVENT_ID_PATTERN.test(input.eventId)) {
    throw new EventLogError(
      "invalid_event",
      `event_id ${JSON.stringify(input.eventId)} is not 32 lowercase hex characters (uuid4 hex)`,
    );
  }
  const event = {
    event_id: input.eventId ?? newEventId(),
    kind: input.kind,
    payload_json: canonicalJson(payload),
    schema_version: SCHEMA_VERSION,
    occurred_at: toOccurredAt(input.occurredAt ?? new Date()),
    task_id: input.taskId ?? null,
    saga_id: input.sagaId ?? null,
    causal_event_id: input.causalEventId ?? null,
    causal_sequence: input.causalSequence ?? null,
    idempotency_key: input.idempotencyKey ?? null,
    chain_tail: "",
  };
  event.chain_tail = chainTail(event);
  return event;
}

/**
 * Inside an open write transaction: the chained insert, or the event that already holds the
 * key. The insert itself checks the key (its UNIQUE index), so a new event costs one index
 * walk, not a lookup and then an insert; a failed statement is undone on its own (sequence
 * included) and the transaction goes on.
 */
function insertOne(ctx: StoreContext, e: EncodedEvent, head: { hash: string }): InsertOutcome {
  const prev_hash = head.hash;
  const event_hash = chainHash(prev_hash, e.chain_tail);
  let sequence: number;
  try {
    sequence = insertRow(ctx.stmt(INSERT), e, prev_hash, event_hash).lastInsertRowid;
  } catch (error) {
    const existing = keyHolder(ctx, error, e.idempotency_key);
    if (!existing) throw error;
    return { outcome: sameEventContent(existing, e) ? "duplicate" : "conflict", existing };
  }
  head.hash = event_hash;
  return { outcome: "appended", sequence, prev_hash, event_hash };
}

/** The stored event whose idempotency key made an insert fail, if that was the reason. */
function keyHolder(ctx: StoreContext, error: unknown, key: string | null): StoredEvent | undefined {
  if (key === null || ctx.driver.sqliteCode(error) !== SQLITE.CONSTRAINT) return undefined;
  const row = ctx.stmt(EVENT_BY_KEY).get(key);
  return row ? rowToEvent(row, ctx.path) : undefined;
}

/**
 * The result of one append. The new event is built once, straight from the encoded event
 * (given its place in the chain; storedEvent takes only the contract's columns from it).
 */
function toResult(input: AppendInput, e: EncodedEvent, r: InsertOutcome): AppendResult {
  if (r.outcome !== "appended") return { outcome: r.outcome, event: r.existing };
  const row = e as EncodedEvent & EventRow;
  row.sequence = r.sequence;
  row.prev_hash = r.prev_hash;
  row.event_hash = r.event_hash;
  return { outcome: "appended", event: storedEvent(row, input.payload) };
}

/**
 * The chain head: the event_hash of the last chained row. Rows an upstream writer stored
 * without hashes are passed over, so the next row links to the last row that has one.
 */
function readHead(ctx: StoreContext): { hash: string } {
  if (ctx.headHash !== null) return { hash: ctx.headHash };
  const row = ctx.stmt(CHAINED_HEAD).get<{ event_hash: string }>();
  return { hash: row?.event_hash ?? GENESIS_HASH };
}

/** Runs `insert` with the chain head, keeping the head for the rest of the transaction. */
function withHead<T>(ctx: StoreContext, insert: (head: { hash: string }) => T): T {
  const head = readHead(ctx);
  try {
    return insert(head);
  } finally {
    ctx.headHash = head.hash;
  }
}

export function append(ctx: StoreContext, input: AppendInput): AppendResult {
  const e = prepare(ctx.path, input);
  return writeTransaction(ctx, `appending a ${input.kind} event`, () =>
    toResult(
      input,
      e,
      withHead(ctx, (head) => insertOne(ctx, e, head)),
    ),
  );
}

/** All inputs in one transaction: all stored or, on a failure, none. */
export function appendBatch(ctx: StoreContext, inputs: readonly AppendInput[]): AppendResult[] {
  if (inputs.length === 0) return [];
  const encoded = inputs.map((input) => prepare(ctx.path, input));
  return writeTransaction(ctx, `appending a batch of ${inputs.length} events`, () =>
    withHead(ctx, (head) =>
      encoded.map((e, i) => toResult(inputs[i] as AppendInput, e, insertOne(ctx, e, head))),
    ),
  );
}

/** Events from `encodeEvent`, in one transaction: all stored or, on a failure, none. */
export function appendEncoded(ctx: StoreContext, events: readonly EncodedEvent[]): InsertOutcome[] {
  if (events.length === 0) return [];
  return writeTransaction(ctx, `appending a batch of ${events.length} events`, () =>
    withHead(ctx, (head) => events.map((e) => insertOne(ctx, e, head))),
  );
}
