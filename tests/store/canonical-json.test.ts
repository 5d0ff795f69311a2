import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "../../src/encoding/canonical-json.ts";
import { MAX_JSON_DEPTH } from "../../src/encoding/json-limits.ts";
import { canonicalJsonGeneral } from "../../src/encoding/python-json.ts";
import type { AnyLegacyRecord } from "../../src/legacy/schemas.ts";
import { mapLegacyRecord } from "../../src/mirror/map-record.ts";

const golden = (path: string): Record<string, unknown>[] =>
  readFileSync(join(import.meta.dir, "..", path), "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        const v = JSON.parse(line) as unknown;
        return v !== null && typeof v === "object" && !Array.isArray(v)
          ? [v as Record<string, unknown>]
          : [];
      } catch {
        return [];
      }
    });

const CORPUS = [
  ...golden("plugin/golden/demo-session.jsonl"),
  ...golden("mirror/golden/every-kind.jsonl"),
];

test("the golden corpus: every record and every mapped payload encodes as the general encoder does", () => {
  expect(CORPUS.length).toBeGreaterThan(50);
  let payloads = 0;
  for (const record of CORPUS) {
    expect(canonicalJson(record)).toBe(canonicalJsonGeneral(record));
    for (const input of mapLegacyRecord(record as AnyLegacyRecord) ?? []) {
      expect(canonicalJson(input.payload)).toBe(canonicalJsonGeneral(input.payload));
      payloads++;
    }
  }
  expect(payloads).toBeGreaterThan(50);
});

test("json.dumps(v, sort_keys=True, separators=(',', ':')) on values off the fast path", () => {
  const cases: [unknown, string][] = [
    [
      { b: 1, a: [1, 2, { d: null, c: true }], z: false },
      '{"a":[1,2,{"c":true,"d":null}],"b":1,"z":false}',
    ],
    [
      { "\u00e9": "\u00fc", emoji: "\u{1f600}", cjk: "\u6f22\u5b57", del: "\x7f" },
      '{"cjk":"\\u6f22\\u5b57","del":"\\u007f","emoji":"\\ud83d\\ude00","\\u00e9":"\\u00fc"}',
    ],
    [
      { ctl: "\n\t\r\b\f\x01\x1f", quote: '"\\/' },
      '{"ctl":"\\n\\t\\r\\b\\f\\u0001\\u001f","quote":"\\"\\\\/"}',
    ],
    [
      { b: 0, B: 0, a: 0, "\u00e9": 0, "\uffff": 0, "\u{1f600}": 0, "": 0 },
      '{"":0,"B":0,"a":0,"b":0,"\\u00e9":0,"\\uffff":0,"\\ud83d\\ude00":0}',
    ],
    [
      [0.1, 1e-5, 0.0001, 1.5e16, 1e16, 123456789.123, -0, 1e22, 2.5, -3.75e-7],
      "[0.1,1e-05,0.0001,1.5e+16,1e+16,123456789.123,-0.0,1e+22,2.5,-3.75e-07]",
    ],
    [[1e15 + 0.5, 0.00011, 9.999e-5], "[1000000000000000.5,0.00011,9.999e-05]"],
    [[0, -1, 12, 9007199254740991], "[0,-1,12,9007199254740991]"],
    [{ a: {}, b: [], c: "" }, '{"a":{},"b":[],"c":""}'],
    // JavaScript would put integer-like keys first; Python sorts them as text.
    [{ b: 1, "10": 2, "2": 3, a: 4 }, '{"10":2,"2":3,"a":4,"b":1}'],
    [JSON.parse('{"__proto__":1,"a":2}'), '{"__proto__":1,"a":2}'],
    [{ when: new Date("2026-06-02T12:34:56.789Z") }, '{"when":"2026-06-02T12:34:56.789Z"}'],
    [
      { lone: "\ud800", u: undefined, f: () => 1, list: [undefined, () => 1] },
      '{"list":[null,null],"lone":"\\ud800"}',
    ],
    [undefined, "null"],
  ];
  for (const [value, text] of cases) {
    expect(canonicalJson(value)).toBe(text);
    expect(canonicalJsonGeneral(value)).toBe(text);
  }
});

test("values with no JSON form are refused as the general encoder refuses them", () => {
  let deep: unknown = 1;
  for (let i = 0; i <= MAX_JSON_DEPTH; i++) deep = { d: deep };
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  for (const bad of [{ x: Number.NaN }, { y: [Number.POSITIVE_INFINITY] }, deep, circular]) {
    const message = (f: (v: unknown) => string) => {
      try {
        f(bad);
      } catch (e) {
        return `${(e as { code?: string }).code}: ${(e as Error).message}`;
      }
      return "encoded";
    };
    expect(message(canonicalJson)).toStartWith("input_invalid: ");
    expect(message(canonicalJson)).toBe(message(canonicalJsonGeneral));
  }
});

test("random values: the same bytes as the general encoder", () => {
  let seed = 12;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const CHARS = [
    "a",
    "Z",
    "0",
    "9",
    " ",
    '"',
    "\\",
    "\n",
    "\x00",
    "\x7f",
    "\u00e9",
    "\ud83d\ude00",
    "~",
    "_",
  ];
  const str = () =>
    Array.from(
      { length: Math.floor(rand() * 5) },
      () => CHARS[Math.floor(rand() * CHARS.length)],
    ).join("");
  const num = () => {
    const r = rand();
    if (r < 0.3) return Math.floor(rand() * 2000) - 1000;
    if (r < 0.5) return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    if (r < 0.6)
      return [0, -0, 1e-4, 1e16, 1e16 - 2, 9007199254740992, 0.5][Math.floor(rand() * 7)] as number;
    return Math.round(rand() * 1e6) / 100;
  };
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) return str();
    if (r < 0.5) return num();
    if (r < 0.55) return rand() < 0.5;
    if (r < 0.6) return null;
    if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--) o[str()] = value(depth + 1);
    return o;
  };
  for (let i = 0; i < 5000; i++) {
    const v = value(0);
    expect(canonicalJson(v)).toBe(canonicalJsonGeneral(v));
  }
});
