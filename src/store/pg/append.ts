import { EventLogError } from "../../errors.ts";
import { encodeEvent } from "../append.ts";
import { chainHash, chainTail, GENESIS_HASH } from "../chain.ts";
import { ENCODED_COLUMNS, sameEventContent } from "../event-columns.ts";
import { rowToEvent } from "../read.ts";
import { type AppendInput, type AppendResult, type StoredEvent, storedEvent } from "../record.ts";
import { type PgQuery, type PgSql, query } from "./client.ts";
import { type EventOrigin, INSERT_EVENTS, type PgEventRow } from "./columns.ts";

/**
 * Every append takes this transaction-scoped advisory lock first, then reads the head and
 * numbers its rows head+1, head+2, ...; the lock is released by COMMIT. So sequences are
 * gapless (a rolled-back transaction took no number) and in commit order (no transaction can
 * commit a lower sequence after a higher one is visible): a reader that has seen N has seen
 * everything up to N.
 */
const APPEND_LOCK =
  "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.forge_eventlog.append'))";
/** The head, and which of the given event_ids ($1, a JSON array) are stored: one round trip. */
const HEAD = `SELECT (SELECT MAX(sequence) FROM events) AS s,
  (SELECT event_hash FROM events WHERE event_hash IS NOT NULL ORDER BY sequence DESC LIMIT 1) AS h,
  ARRAY(SELECT event_id FROM events
    WHERE event_id IN (SELECT value FROM json_array_elements_text(($1::text)::json))) AS present`;
/** Readers of `tail` wake on this channel; the payload is `<schema>:<latest sequence>`. */
export const NOTIFY_CHANNEL = "forge_eventlog";
/** The insert and its wake-up in one statement (the notification is sent at COMMIT). */
const INSERT_AND_NOTIFY = `WITH inserted AS (${INSERT_EVENTS} RETURNING 1)
  SELECT pg_notify('${NOTIFY_CHANNEL}', current_schema() || ':' || $2) FROM (SELECT COUNT(*) FROM inserted) c`;

interface Head {
  sequence: number;
  hash: string;
}

/** Takes the append lock, then reads the head and which of `eventIds` are stored already. */
async function lockHead(
  tx: PgQuery,
  eventIds: readonly string[] = [],
): Promise<{ head: Head; present: Set<string> }> {
  await query(tx, APPEND_LOCK);
  const [r] = await query<{ s: string | null; h: string | null; present: string[] }>(tx, HEAD, [
    JSON.stringify(eventIds),
  ]);
  return {
    head: { sequence: Number(r?.s ?? 0), hash: r?.h ?? GENESIS_HASH },
    present: new Set(r?.present ?? []),
  };
}

async function insertRows(tx: PgQuery, rows: PgEventRow[], head: Head): Promise<void> {
  if (rows.length === 0) return;
  await query(tx, INSERT_AND_NOTIFY, [JSON.stringify(rows), String(head.sequence)]);
}

/** Chains `fields` (with its precomputed tail) onto the head, moving the head. */
function chainOnto<T extends object>(head: Head, fields: T, tail: string | Uint8Array) {
  const prev_hash = head.hash;
  const event_hash = chainHash(prev_hash, tail);
  head.sequence += 1;
  head.hash = event_hash;
  return { ...fields, sequence: head.sequence, prev_hash, event_hash };
}

const NO_ORIGIN: EventOrigin = {
  source: null,
  runner_id: null,
  host_id: null,
  source_sequence: null,
};

/**
 * Appends written here directly (no source), in one transaction, with the store contract's
 * outcomes: a known key (in the log or earlier in the batch) is a duplicate or a conflict and
 * writes nothing; any failure keeps none of the batch.
 */
export async function appendInputs(
  sql: PgSql,
  label: string,
  inputs: readonly AppendInput[],
): Promise<AppendResult[]> {
  if (inputs.length === 0) return [];
  const encoded = inputs.map((input) => {
    try {
      return encodeEvent(input);
    } catch (e) {
      if (!(e instanceof EventLogError)) throw e;
      throw new EventLogError(e.code, `cannot append to ${label}: ${e.message}`, { cause: e });
    }
  });
  const keys = [...new Set(encoded.flatMap((e) => (e.idempotency_key ? [e.idempotency_key] : [])))];
  return sql.begin(async (tx) => {
    const { head } = await lockHead(tx);
    const holders = new Map<string, StoredEvent>();
    if (keys.length > 0) {
      const rows = await query(
        tx,
        "SELECT * FROM events WHERE source IS NULL AND idempotency_key IN (SELECT value FROM json_array_elements_text(($1::text)::json))",
        [JSON.stringify(keys)],
      );
      for (const row of rows) {
        const e = rowToEvent(row, label);
        if (e.idempotency_key) holders.set(e.idempotency_key, e);
      }
    }
    const fresh: PgEventRow[] = [];
    const results = encoded.map((e, i): AppendResult => {
      const input = inputs[i] as AppendInput;
      const holder = e.idempotency_key ? holders.get(e.idempotency_key) : undefined;
      if (holder) {
        return { outcome: sameEventContent(holder, e) ? "duplicate" : "conflict", event: holder };
      }
      const columns = Object.fromEntries(ENCODED_COLUMNS.map((c) => [c, e[c]]));
      const row = chainOnto(head, columns, e.chain_tail) as unknown as PgEventRow;
      fresh.push({ ...row, ...NO_ORIGIN });
      const event = storedEvent(row, input.payload);
      if (e.idempotency_key) holders.set(e.idempotency_key, event);
      return { outcome: "appended", event };
    });
    await insertRows(tx, fresh, head);
    return results;
  });
}

export interface ShipOutcome {
  /** Events stored by this call. */
  stored: number;
  /** Events already in the log (shipped before, e.g. before a crash): not stored again. */
  skipped: number;
  /** The log's latest sequence after the commit. */
  latestSequence: number;
}

/**
 * Copies events of one source log, in their order, in one transaction. An event whose
 * event_id is already stored is skipped, so shipping the same event twice stores it once;
 * every stored event is re-chained onto this log's head (its own hashes belong to its source's
 * chain), the contract columns kept as they are.
 */
export async function shipEvents(
  sql: PgSql,
  events: readonly StoredEvent[],
  origin: Omit<EventOrigin, "source_sequence">,
): Promise<ShipOutcome> {
  const tails = events.map((e) => chainTail(e));
  const ids = events.map((e) => e.event_id);
  return sql.begin(async (tx) => {
    const { head, present } = await lockHead(tx, ids);
    const rows: PgEventRow[] = [];
    for (const [i, e] of events.entries()) {
      if (present.has(e.event_id)) continue;
      present.add(e.event_id);
      const columns = Object.fromEntries(ENCODED_COLUMNS.map((c) => [c, e[c]]));
      rows.push({
        ...(chainOnto(head, columns, tails[i] as string) as unknown as PgEventRow),
        ...origin,
        source_sequence: e.sequence,
      });
    }
    await insertRows(tx, rows, head);
    return {
      stored: rows.length,
      skipped: events.length - rows.length,
      latestSequence: head.sequence,
    };
  });
}
