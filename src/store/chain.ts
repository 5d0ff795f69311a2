import * as crypto from "node:crypto";
import { escapeNonAscii } from "../encoding/python-json.ts";
import { CHAIN_COLUMNS, type ChainColumn, type EventRow } from "./event-columns.ts";

/**
 * Hash chain (upstream's first variant, documented in docs/store.md):
 * event_hash = sha256_hex(compact JSON of [prev_hash, ...CHAIN_COLUMNS])
 * as Python's json.dumps(..., separators=(",", ":")) writes it; genesis prev_hash = 64 zeros.
 */
export const GENESIS_HASH = "0".repeat(64);

/** The fields the chain hashes after `prev_hash`. */
export type ChainFields = Pick<EventRow, ChainColumn>;

// JSON.stringify writes an array of strings, nulls and integers exactly as Python's compact
// json.dumps does, once non-ASCII is escaped; one call is much cheaper than one per field.
export function eventHash(prevHash: string, f: ChainFields): string {
  return chainHash(prevHash, chainTail(f));
}

/**
 * The hash input after `[prev_hash,`: it does not depend on the chain head, so it can be
 * computed before the write transaction (or on another thread), leaving only the hash inside.
 */
export function chainTail(f: ChainFields): string {
  const text = JSON.stringify(CHAIN_COLUMNS.map((c) => f[c]));
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
