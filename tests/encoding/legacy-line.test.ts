/**
 * The runner's JSONL line as bytes (LegacyLineEncoder, what the plugin writes and hands to its
 * workers) is byte for byte what Python's json.dumps(rec, default=str) wrote: the Python-made
 * golden session, and the encoder's own edge cases (non-ASCII, floats, NaN, a line longer than
 * its buffer, a shorter line after a longer one).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  canonicalJsonGeneral as canonicalJson,
  LegacyLineEncoder,
  legacyLine,
  parseLegacyLine,
} from "../../src/encoding/python-json.ts";
import { GOLDEN_JSONL } from "../plugin/session.ts";

const text = (encoder: LegacyLineEncoder, length: number) =>
  Buffer.from(encoder.bytes.subarray(0, length)).toString("latin1");

test("every line of the Python-made golden session, re-encoded, is the same bytes", () => {
  const golden = readFileSync(GOLDEN_JSONL);
  const encoder = new LegacyLineEncoder();
  const out: Buffer[] = [];
  for (const line of golden.toString("utf8").split("\n").filter(Boolean)) {
    const n = encoder.encode(JSON.parse(line));
    out.push(Buffer.from(encoder.bytes.subarray(0, n)));
  }
  expect(out.length).toBeGreaterThan(50);
  expect(Buffer.concat(out).equals(golden)).toBe(true);
});

test("the bytes are legacyLine's text and a newline: non-ASCII escaped, Python floats, NaN", () => {
  const encoder = new LegacyLineEncoder();
  const record = {
    ts: "2026-05-27T20:30:07+00:00",
    kind: "mcp_tool_rate_limited",
    tool: "tool_\u00e9 \u{1f600}",
    ratios: [0.1, 1e-5, 1.5e16, -0, Number.NaN, Number.POSITIVE_INFINITY],
    list: [1, { x: null }],
  };
  const n = encoder.encode(record);
  expect(text(encoder, n)).toBe(
    '{"ts": "2026-05-27T20:30:07+00:00", "kind": "mcp_tool_rate_limited", "tool": "tool_\\u00e9 \\ud83d\\ude00", "ratios": [0.1, 1e-05, 1.5e+16, -0.0, NaN, Infinity], "list": [1, {"x": null}]}\n',
  );
  expect(text(encoder, n)).toBe(`${legacyLine(record)}\n`);
});

test("a line longer than the buffer grows it; a shorter one after it is only its own bytes", () => {
  const encoder = new LegacyLineEncoder();
  const long = { kind: "tick_done", note: "x".repeat(10_000) };
  const n = encoder.encode(long);
  expect(n).toBe(legacyLine(long).length + 1);
  expect(text(encoder, n)).toBe(`${legacyLine(long)}\n`);
  const short = { kind: "tick_start", tick: 2 };
  const m = encoder.encode(short);
  expect(text(encoder, m)).toBe('{"kind": "tick_start", "tick": 2}\n');
});

test("a record with no JSON form throws as legacyLine does", () => {
  const circular: Record<string, unknown> = { kind: "tick_done" };
  circular.self = circular;
  const encoder = new LegacyLineEncoder();
  expect(() => encoder.encode(circular)).toThrow(/input_invalid|circular|deep/i);
});

test("parseLegacyLine reads a line back: Python's NaN and Infinity outside strings only", () => {
  const record = {
    kind: "tick_done",
    r: [Number.NaN, Number.POSITIVE_INFINITY, -Infinity],
    s: 'NaN Infinity "x"',
  };
  const back = parseLegacyLine(legacyLine(record)) as typeof record;
  expect(back.r[0]).toBeNaN();
  expect(back.r.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  expect(back.s).toBe(record.s);
  const plain = { ts: "2026-06-02T00:00:00Z", kind: "tick_start", tick: 1 };
  expect(parseLegacyLine(legacyLine(plain))).toEqual(plain);
  expect(() => parseLegacyLine('{"kind": "x", "n": nan}')).toThrow(SyntaxError);
  expect(() => parseLegacyLine("{not json")).toThrow(SyntaxError);
});

test("parseLegacyLine leaves a real string that looks like its own NaN marker a string", () => {
  const record = { kind: "tick_done", n: Number.NaN, s: "\u0000py:12", t: "\u0000py:NaNx" };
  const back = parseLegacyLine(legacyLine(record)) as typeof record;
  expect(back.n).toBeNaN();
  expect(back.s).toBe(record.s);
  expect(back.t).toBe(record.t);
});

test("every kind of string, as a value and as a key, is escaped as Python's ensure_ascii does", () => {
  const python: Record<string, string> = {
    plain: '"plain"',
    'q"uote': '"q\\"uote"',
    "back\\slash": '"back\\\\slash"',
    "tab\tnl\n": '"tab\\tnl\\n"',
    "\u0000\u001f": '"\\u0000\\u001f"',
    "\u007f": '"\\u007f"',
    "é \u2028": '"\\u00e9 \\u2028"',
    "\ud800": '"\\ud800"',
    "": '""',
    " ~": '" ~"',
  };
  for (const [s, text] of Object.entries(python)) {
    expect(legacyLine({ k: s })).toBe(`{"k": ${text}}`);
    expect(legacyLine({ [s]: 1 })).toBe(`{${text}: 1}`);
    expect(canonicalJson({ [s]: s })).toBe(`{${text}:${text}}`);
  }
});

test("keys past the remembered ones are encoded all the same, in both separators", () => {
  const many = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k\u00e9${i}`, i]));
  const line = legacyLine(many);
  expect(line.startsWith('{"k\\u00e90": 0, "k\\u00e91": 1')).toBe(true);
  expect(line.endsWith('"k\\u00e91499": 1499}')).toBe(true);
  expect(JSON.parse(line)).toEqual(
    JSON.parse(JSON.stringify(many).replaceAll("\u00e9", "\\u00e9")),
  );
  expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  expect(legacyLine({ b: 1, a: 2 })).toBe('{"b": 1, "a": 2}');
});
