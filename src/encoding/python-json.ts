import { EventLogError } from "../errors.ts";
import { isExactNumber, jsonProblem, MAX_JSON_DEPTH } from "./json-limits.ts";
import { compareCodePoints, unicodeEscape } from "./unicode.ts";

/**
 * JSON text byte-identical to Python's `json.dumps` (ensure_ascii=True), which is what
 * forge-loop writes: `canonicalJsonGeneral` = `json.dumps(v, sort_keys=True, separators=(",",
 * ":"))` (the contract's payload_json and hash input; the store calls it through
 * canonical-json.ts, which encodes plain values faster), `legacyLine` = `json.dumps(v, default=str)`
 * (the runner's JSONL record, separators ", " and ": ", insertion order).
 *
 * One known difference: JavaScript has one number type, so an integral float (Python `12.0`)
 * is written `12`. Non-integral floats follow Python's repr (e.g. `1e-05`, `1.5e+16`).
 */

type Separators = {
  item: string;
  key: string;
  sortKeys: boolean;
  /** Refuse NaN and ±Infinity, which JSON cannot carry. */
  exactNumbers: boolean;
  /** Each object key's text with the key separator after it: keys repeat from record to record. */
  keys: Map<string, string>;
};

/** Past this many distinct keys, the others are encoded each time (keys made from data). */
const MAX_CACHED_KEYS = 1000;

const CANONICAL: Separators = {
  item: ",",
  key: ":",
  sortKeys: true,
  exactNumbers: true,
  keys: new Map(),
};
const LEGACY: Separators = {
  item: ", ",
  key: ": ",
  sortKeys: false,
  exactNumbers: false,
  keys: new Map(),
};

/**
 * The contract's payload text. Throws `input_invalid`, naming the field, for a value that has
 * no JSON form: NaN or ±Infinity (JSON.parse, and so every reader but Python's, cannot read
 * them back), nesting deeper than MAX_JSON_DEPTH (or circular).
 */
export function canonicalJsonGeneral(value: unknown): string {
  try {
    return encode(value, CANONICAL, 0);
  } catch (e) {
    throw unencodable(e, value, true);
  }
}

/**
 * The runner's JSONL line, as Python writes it (NaN and Infinity included, as Python's
 * json.dumps does). Throws `input_invalid` for nesting deeper than MAX_JSON_DEPTH or circular.
 */
export function legacyLine(record: Record<string, unknown>): string {
  try {
    return encode(record, LEGACY, 0);
  } catch (e) {
    throw unencodable(e, record, false);
  }
}

const ascii = new TextEncoder();
const NEWLINE = 0x0a;

/**
 * The runner's JSONL line and its newline as exact bytes (the same as `legacyLine`'s text,
 * which is ASCII), written into one buffer reused line after line: `encode` returns the line's
 * length in `bytes`, valid until the next call. Throws as `legacyLine` does.
 */
export class LegacyLineEncoder {
  bytes = new Uint8Array(4096);

  encode(record: Record<string, unknown>): number {
    const line = legacyLine(record);
    if (line.length >= this.bytes.length) {
      this.bytes = new Uint8Array(Math.max(line.length + 1, 2 * this.bytes.length));
    }
    const length = ascii.encodeInto(line, this.bytes).written;
    this.bytes[length] = NEWLINE;
    return length + 1;
  }
}

function unencodable(e: unknown, value: unknown, exactNumbers: boolean): unknown {
  if (!(e instanceof Unencodable) && !(e instanceof RangeError)) return e;
  const problem = jsonProblem(value, exactNumbers) ?? "it cannot be encoded as JSON";
  return new EventLogError("input_invalid", problem, { cause: e });
}

class Unencodable extends Error {}

// Python escapes every character outside printable ASCII (space..~); JSON.stringify already
// escapes control characters and lone surrogates the same way, so only 0x7f and up remain.
const HAS_NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII = /[\u007f-\uffff]/g;

// A string JSON.stringify writes as it is between quotes, and Python too: printable ASCII
// without `"` and `\`.
const VERBATIM = /^[ !#-[\]-~]*$/;

function pythonString(s: string): string {
  return VERBATIM.test(s) ? `"${s}"` : escapeNonAscii(JSON.stringify(s));
}

function keyText(key: string, sep: Separators): string {
  let text = sep.keys.get(key);
  if (text === undefined) {
    text = pythonString(key) + sep.key;
    if (sep.keys.size < MAX_CACHED_KEYS) sep.keys.set(key, text);
  }
  return text;
}

/**
 * JSON text from JSON.stringify made ASCII the way Python's ensure_ascii does. Valid on a
 * whole document: such characters only occur inside strings.
 */
export function escapeNonAscii(json: string): string {
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, unicodeEscape) : json;
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return Object.is(n, -0) ? "-0.0" : String(n);
  return pythonFloatRepr(n);
}

/** Python's float repr: shortest round-trip digits, exponent form when exp < -4 or exp >= 16. */
function pythonFloatRepr(n: number): string {
  const [mantissa = "", expPart] = n.toExponential().split("e");
  const exp = Number(expPart);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${frac}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits.padEnd(intLen, "0")}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

function encode(value: unknown, sep: Separators, depth: number): string {
  switch (typeof value) {
    case "string":
      return pythonString(value);
    case "number":
      if (sep.exactNumbers && !isExactNumber(value)) throw new Unencodable();
      return pythonNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object":
      if (value === null) return "null";
      if (depth >= MAX_JSON_DEPTH) throw new Unencodable();
      if (Array.isArray(value)) return encodeArray(value, sep, depth + 1);
      if (value instanceof Date) return pythonString(value.toISOString());
      return encodeObject(value as Record<string, unknown>, sep, depth + 1);
    default:
      // Python's default=str has no analogue for functions/undefined at top level.
      return "null";
  }
}

function encodeArray(items: unknown[], sep: Separators, depth: number): string {
  if (items.length === 0) return "[]";
  let out = "[";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += sep.item;
    const item = items[i];
    out += item === undefined || typeof item === "function" ? "null" : encode(item, sep, depth);
  }
  return `${out}]`;
}

function encodeObject(obj: Record<string, unknown>, sep: Separators, depth: number): string {
  const keys = Object.keys(obj);
  if (sep.sortKeys) keys.sort(compareCodePoints);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined || typeof v === "function") continue;
    if (!first) out += sep.item;
    first = false;
    out += keyText(key, sep) + encode(v, sep, depth);
  }
  return `${out}}`;
}

// A JSON string (kept as it is) or one of the number tokens Python writes and JSON lacks.
const PYTHON_TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const MARK = "\u0000py:";
/** The marked tokens read back, and only they: a real string may start with MARK too. */
const MARKED = new Map<string, number>([
  [`${MARK}NaN`, Number.NaN],
  [`${MARK}Infinity`, Number.POSITIVE_INFINITY],
  [`${MARK}-Infinity`, Number.NEGATIVE_INFINITY],
]);

/**
 * A legacy line read back into its record: JSON.parse, and for a line JSON.parse refuses,
 * Python's `NaN`, `Infinity` and `-Infinity` (outside strings) read as those numbers. Throws
 * a SyntaxError for anything else that is not JSON.
 */
export function parseLegacyLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    let found = false;
    const marked = line.replace(PYTHON_TOKENS, (token) => {
      if (token.charCodeAt(0) === 0x22) return token;
      found = true;
      return `"\\u0000py:${token}"`;
    });
    if (!found) throw e;
    return JSON.parse(marked, (_key, v) =>
      typeof v === "string" && MARKED.has(v) ? MARKED.get(v) : v,
    );
  }
}
