import { compareCodePoints, unicodeEscape } from "../encoding/unicode.ts";

/**
 * JSON text exactly as Go's encoding/json writes it, which fmail uses:
 * - `<`, `>`, `&`, U+2028, U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`;
 * - other escapes as JSON.stringify (`\b \f \n \r \t`, `\u00XX` lower-case hex);
 * - a lone UTF-16 surrogate becomes U+FFFD (Go strings are UTF-8);
 * - `indent` gives MarshalIndent's layout (`"key": value`, `{}` / `[]` when empty);
 * - `sortKeys` mimics a Go map (fmail re-encoding a body it read back): keys in UTF-8 byte
 *   order, which is code point order (not JavaScript's UTF-16 order, which puts astral
 *   characters before U+E000..U+FFFF); otherwise the object's own key order is kept (a Go
 *   struct); `undefined` members are left out.
 */
export interface GoJsonOptions {
  indent?: string;
  sortKeys?: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;

const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** The string Go holds for `value`: each lone surrogate replaced by U+FFFD. */
function wellFormed(value: string): string {
  return ANY_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, "\uFFFD") : value;
}

export function goQuote(value: string): string {
  return JSON.stringify(wellFormed(value)).replace(GO_EXTRA_ESCAPES, unicodeEscape);
}

function encode(value: unknown, opts: GoJsonOptions, depth: number): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return goQuote(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`json: unsupported value: ${value}`);
      return Object.is(value, -0) ? "-0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value instanceof Date) return goQuote(value.toISOString());
  const indent = opts.indent ?? "";
  const open = indent === "" ? "" : `\n${indent.repeat(depth + 1)}`;
  const close = indent === "" ? "" : `\n${indent.repeat(depth)}`;
  const comma = indent === "" ? "," : `,${open}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v) => encode(v, opts, depth + 1) ?? "null");
    return `[${open}${items.join(comma)}${close}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (opts.sortKeys) entries.sort(([a], [b]) => compareCodePoints(wellFormed(a), wellFormed(b)));
  const colon = indent === "" ? ":" : ": ";
  const members: string[] = [];
  for (const [k, v] of entries) {
    const text = encode(v, opts, depth + 1);
    if (text !== undefined) members.push(`${goQuote(k)}${colon}${text}`);
  }
  if (members.length === 0) return "{}";
  return `{${open}${members.join(comma)}${close}}`;
}

export function goJson(value: unknown, opts: GoJsonOptions = {}): string {
  return encode(value, opts, 0) ?? "null";
}
