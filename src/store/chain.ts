import { createHash } from "node:crypto";
import { pythonString } from "../encoding/python-json.ts";

/**
 * Hash chain (upstream's first variant, documented in docs/store.md):
 * event_hash = sha256_hex(compact JSON of
 *   [prev_hash, event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, idempotency_key])
 * as Python's json.dumps(..., separators=(",", ":")) writes it; genesis prev_hash = 64 zeros.
 */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainFields {
  prev_hash: string;
  event_id: string;
  kind: string;
  payload_json: string;
  schema_version: number;
  occurred_at: string;
  task_id: string | null;
  saga_id: string | null;
  idempotency_key: string | null;
}

const str = (s: string | null) => (s === null ? "null" : pythonString(s));

export function eventHash(f: ChainFields): string {
  const text = `[${str(f.prev_hash)},${str(f.event_id)},${str(f.kind)},${str(f.payload_json)},${f.schema_version},${str(f.occurred_at)},${str(f.task_id)},${str(f.saga_id)},${str(f.idempotency_key)}]`;
  return createHash("sha256").update(text).digest("hex");
}
