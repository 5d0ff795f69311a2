import { describe, expect, test } from "bun:test";
import { goJson } from "../../src/fmail/gojson.ts";
import { formatBody } from "../../src/fmail/read.ts";

describe("Go's encoding/json", () => {
  test("strings are escaped as Go does (HTML characters, line separators, lone surrogates)", () => {
    expect(goJson('<a & b>\u2028\u2029\n\t\u0001"\\')).toBe(
      '"\\u003ca \\u0026 b\\u003e\\u2028\\u2029\\n\\t\\u0001\\"\\\\"',
    );
    expect(goJson("x\uD800y")).toBe('"x\uFFFDy"');
    expect(goJson("😀")).toBe('"😀"');
    expect(goJson({ b: 1, a: { d: 2, c: 3 } }, { sortKeys: true })).toBe(
      '{"a":{"c":3,"d":2},"b":1}',
    );
  });

  test("golden: map keys in UTF-8 byte order (code points), astral characters last", () => {
    // What Go prints for this map[string]any: keys sorted by their UTF-8 bytes
    // (a 61, z 7a, U+E000 ee 80 80, U+FFFD ef bf bd, U+1F600 f0 9f 98 80); <, >, &,
    // U+2028 and U+2029 escaped, every other non-ASCII character written as is.
    // UTF-16 order would put U+1F600 (d83d de00) before U+E000 and U+FFFD.
    const body = {
      "\u{1F600}": 1,
      "\uFFFD": 2,
      a: 3,
      "\uE000": 4,
      z: { "<b>&": "\u2028\u2029é" },
    };
    const golden =
      '{"a":3,"z":{"\\u003cb\\u003e\\u0026":"\\u2028\\u2029é"},"\uE000":4,"\uFFFD":2,"😀":1}';
    expect(goJson(body, { sortKeys: true })).toBe(golden);
    expect(formatBody(body)).toBe(golden);
    // A lone surrogate is U+FFFD to Go, and sorts as U+FFFD.
    expect(goJson({ "\uD800": 1, "\uE000": 2 }, { sortKeys: true })).toBe(
      '{"\uE000":2,"\uFFFD":1}',
    );
  });
});
