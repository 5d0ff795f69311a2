import { MAX_JSON_DEPTH } from "./json-limits.ts";
import { canonicalJsonGeneral, escapeNonAscii } from "./python-json.ts";

/**
 * `canonicalJsonGeneral` (python-json.ts: Python's `json.dumps(v, sort_keys=True,
 * separators=(",", ":"))`), fast for what the store encodes on every append: plain objects and
 * arrays of strings, numbers from 1e-4 up to 1e16, booleans and nulls. For such a value
 * JavaScript's own encoder writes Python's bytes once the keys are in order (JSON.stringify
 * escapes `"`, `\` and control characters as json.dumps does), so a copy with its keys sorted
 * (by UTF-16 unit, which is code-point order unless a key holds a character from U+D800) goes
 * through one native JSON.stringify; the text is then tested once for characters Python
 * escapes, and only a text holding some is escaped, in one pass. Anything else (other
 * numbers, -0, a Date or another non-plain object, a key JavaScript would put first as an
 * array index, `__proto__`, a key from U+D800, nesting past MAX_JSON_DEPTH) goes to the
 * general encoder, which gives the same bytes or the same refusal.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    // undefined for a bare undefined or function, which Python's encoder writes as null.
    text = JSON.stringify(sortedCopy(value, 0)) as string | undefined;
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
    return canonicalJsonGeneral(value);
  }
  if (text === undefined) return canonicalJsonGeneral(value);
  if (!BEYOND_ASCII.test(text)) return text;
  return hasKeyAfterSurrogates(value, 0) ? canonicalJsonGeneral(value) : escapeNonAscii(text);
}

/** Python's ensure_ascii escapes these; JSON.stringify does not (lone surrogates aside). */
const BEYOND_ASCII = /[\u007f-\uffff]/;
/** A key with one of these may sort differently by UTF-16 unit than by code point. */
const SURROGATE_OR_AFTER = /[\ud800-\uffff]/;
const NOT_PLAIN = Symbol("not plain");
const OBJECT_PROTOTYPE = Object.prototype;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Numbers JavaScript writes as Python's encoder does: both write the shortest round-trip
 * digits, without an exponent from 1e-4 up to 1e16 (Python), 1e-7 up to 1e21 (JavaScript);
 * an integral number is written without `.0` (python-json.ts).
 */
function printsAlike(n: number): boolean {
  if (n === 0) return !Object.is(n, -0);
  const size = Math.abs(n);
  return size >= 1e-4 && size < 1e16;
}

function sortedCopy(value: unknown, depth: number): unknown {
  if (typeof value !== "object") {
    if (typeof value === "number" && !printsAlike(value)) throw NOT_PLAIN;
    // Strings, booleans; undefined and functions are left out (arrays: null) by both.
    if (typeof value === "bigint" || typeof value === "symbol") throw NOT_PLAIN;
    return value;
  }
  if (value === null) return null;
  if (depth >= MAX_JSON_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = sortedCopy(value[i], depth + 1);
    return items;
  }
  if (Object.getPrototypeOf(value) !== OBJECT_PROTOTYPE) throw NOT_PLAIN;
  const keys = sortedKeys(value);
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if ((first >= DIGIT_0 && first <= DIGIT_9) || key === "__proto__") throw NOT_PLAIN;
    copy[key] = sortedCopy((value as Record<string, unknown>)[key], depth + 1);
  }
  return copy;
}

/** The keys in UTF-16 order: an insertion sort, faster than Array.prototype.sort on a record's few keys. */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** Whether a key anywhere in a value sortedCopy took holds a character from U+D800. */
function hasKeyAfterSurrogates(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object" || depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) return value.some((item) => hasKeyAfterSurrogates(item, depth + 1));
  for (const [key, item] of Object.entries(value)) {
    if (SURROGATE_OR_AFTER.test(key) || hasKeyAfterSurrogates(item, depth + 1)) return true;
  }
  return false;
}
