import { describe, expect, test } from "bun:test";
import { goJson } from "../../src/fmail/gojson.ts";

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
});
