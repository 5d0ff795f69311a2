import * as crypto from "node:crypto";
import { escapeNonAscii } from "../encoding/python-json.ts";

/**
 * Hash chain (upstream's first variant, documented in docs/store.md):
 * event_hash = sha256_hex(compact JSON of
 *   [prev_hash, event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, idempotency_key])
 * as Python's json.dumps(..., separators=(",", ":")) writes it; genesis prev_hash = 64 zeros.
 */
export const GENESIS_HASH = "0".repeat(64);

export type ChainFields = {
  prev_hash: string;
  event_id: string;
  kind: string;
  payload_json: string;
  schema_version: number;
  occurred_at: string;
  task_id: string | null;
  saga_id: string | null;
  idempotency_key: string | null;
};

// JSON.stringify writes an array of strings, nulls and integers exactly as Python's compact
// json.dumps does, once non-ASCII is escaped; one call is much cheaper than one per field.
export function eventHash(f: ChainFields): string {
  return chainHash(f.prev_hash, chainTail(f));
}

/**
 * The hash input after `[prev_hash,`: it does not depend on the chain head, so it can be
 * computed before the write transaction (or on another thread), leaving only the hash inside.
 */
export function chainTail(f: Omit<ChainFields, "prev_hash">): string {
  const text = JSON.stringify([
    f.event_id,
    f.kind,
    f.payload_json,
    f.schema_version,
    f.occurred_at,
    f.task_id,
    f.saga_id,
    f.idempotency_key,
  ]);
  return escapeNonAscii(text.slice(1));
}

export function chainHash(prevHash: string, tail: string): string {
  return sha256Hex(`[${escapeNonAscii(JSON.stringify(prevHash))},${tail}`);
}

type OneShotHash = (algorithm: string, data: string, encoding: "hex") => string;
// crypto.hash (Node >= 21.7, Bun) skips the Hash object; Deno's node:crypto may lack it.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot("sha256", text, "hex")
  : (text) => crypto.createHash("sha256").update(text).digest("hex");
