import { escapeNonAscii } from "../encoding/python-json.ts";
import { sha256Hex } from "../encoding/sha256.ts";
import { CHAIN_COLUMNS, type ChainColumn, type EventRow } from "./event-columns.ts";

/**
 * The hash chains a database may carry (docs/store.md, "Hash chain"). Genesis is 64 zeros in
 * all of them.
 *
 * - `utf8` (what forge-eventlog writes, and what upstream's prev_hash/event_hash writer
 *   writes): event_hash = sha256_hex(UTF-8 of json.dumps([prev_hash, ...CHAIN_COLUMNS],
 *   separators=(",", ":"), ensure_ascii=False)). Strings are hashed as they are: only `"`,
 *   `\` and control characters are escaped.
 * - `ascii`: the same array with every non-ASCII character escaped as \uXXXX, as
 *   forge-eventlog wrote it before; verify still accepts it on old rows.
 * - `sorted` (upstream's later `chain_hash` column): chain_hash = sha256_hex(UTF-8 of
 *   prev_chain_hash + json.dumps({the same fields}, sort_keys=True, separators=(",", ":"))),
 *   ASCII-escaped (Python's default).
 */
export const GENESIS_HASH = "0".repeat(64);

export type ChainRule = "utf8" | "ascii" | "sorted";

/** The fields the chain hashes after `prev_hash`. */
export type ChainFields = Pick<EventRow, ChainColumn>;

// JSON.stringify writes an array of strings, nulls and integers exactly as Python's compact
// json.dumps(..., ensure_ascii=False) does (same escapes for `"`, `\` and control characters,
// lowercase \u00XX); one call is much cheaper than one per field.
export function eventHash(prevHash: string, f: ChainFields): string {
  return chainHash(prevHash, chainTail(f));
}

/**
 * The hash input after `[prev_hash,`: it does not depend on the chain head, so it can be
 * computed before the write transaction (or on another thread), leaving only the hash inside.
 */
export function chainTail(f: ChainFields): string {
  return JSON.stringify(chainValues(f)).slice(1);
}

/** The hashed fields as an array, compiled from CHAIN_COLUMNS into one array literal. */
const chainValues = new Function(
  "f",
  `return [${CHAIN_COLUMNS.map((c) => `f.${c}`).join(", ")}];`,
) as (f: ChainFields) => unknown[];

/**
 * The event_hash after `prevHash`, from the tail as text or as its UTF-8 bytes (as the
 * backfill's writing thread gets it from the preparing one: copied after the head into a
 * buffer kept between calls, so no string is made per event).
 */
export function chainHash(prevHash: string, tail: string | Uint8Array): string {
  if (typeof tail === "string") return sha256Hex(`[${JSON.stringify(prevHash)},${tail}`);
  const hash = sha256Hex(hashInput(prevHash, tail));
  // One huge event does not keep its buffer for the rest of a long follow.
  if (input.length > KEPT_INPUT_MAX) input = new Uint8Array(KEPT_INPUT_MIN);
  return hash;
}

const utf8 = new TextEncoder();
const KEPT_INPUT_MIN = 4096;
const KEPT_INPUT_MAX = 1024 * 1024;
let input = new Uint8Array(KEPT_INPUT_MIN);

/** `[${JSON.stringify(prevHash)},` and then `tail`, in a buffer kept between calls. */
function hashInput(prevHash: string, tail: Uint8Array): Uint8Array {
  ensureInput(prevHash.length + 4 + tail.length);
  let head = plainQuoted(prevHash);
  if (head < 0) {
    const quoted = utf8.encode(`[${JSON.stringify(prevHash)},`);
    ensureInput(quoted.length + tail.length);
    input.set(quoted);
    head = quoted.length;
  }
  input.set(tail, head);
  return input.subarray(0, head + tail.length);
}

/**
 * Writes `["<prevHash>",` at the start of the input buffer (room for it made) when prevHash is
 * printable ASCII with nothing JSON escapes (a hex digest always is) and returns its length;
 * -1 otherwise.
 */
function plainQuoted(prevHash: string): number {
  const n = prevHash.length;
  input[0] = 0x5b;
  input[1] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = prevHash.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    input[i + 2] = c;
  }
  input[n + 2] = 0x22;
  input[n + 3] = 0x2c;
  return n + 4;
}

function ensureInput(length: number): void {
  if (input.length >= length) return;
  let size = input.length;
  while (size < length) size *= 2;
  input = new Uint8Array(size);
}

/**
 * Which prev_hash/event_hash rule recomputes `eventHashValue`, or null when none does. The
 * ASCII-escaped rule differs from the UTF-8 one only when a field holds non-ASCII, so a row
 * without any costs one hash.
 */
export function linkedRuleOf(
  prevHash: string,
  f: ChainFields,
  eventHashValue: string,
): "utf8" | "ascii" | null {
  const text = linkedInput(prevHash, f);
  if (sha256Hex(text) === eventHashValue) return "utf8";
  const ascii = escapeNonAscii(text);
  if (ascii !== text && sha256Hex(ascii) === eventHashValue) return "ascii";
  return null;
}

/** `[${JSON.stringify(prevHash)},${chainTail(f)}`, in one encoding. */
function linkedInput(prevHash: string, f: ChainFields): string {
  const values: unknown[] = [prevHash];
  for (const c of CHAIN_COLUMNS) values.push(f[c]);
  return JSON.stringify(values);
}

/** Upstream's `chain_hash` over `prev` (the previous row's chain_hash, genesis when NULL). */
export function sortedChainHash(prev: string, f: ChainFields): string {
  // Keys in code-point order, as sort_keys writes them.
  const fields = {
    event_id: f.event_id,
    idempotency_key: f.idempotency_key,
    kind: f.kind,
    occurred_at: f.occurred_at,
    payload_json: f.payload_json,
    saga_id: f.saga_id,
    schema_version: f.schema_version,
    task_id: f.task_id,
  };
  return sha256Hex(prev + escapeNonAscii(JSON.stringify(fields)));
}
