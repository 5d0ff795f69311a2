import { expect, test } from "bun:test";
import type { ChainFields } from "../../src/store/chain.ts";
import { chainHash, chainTail, GENESIS_HASH } from "../../src/store/chain.ts";
import { linkedHash } from "./upstream-writer.ts";

const utf8 = new TextEncoder();

function fields(payload: string, key: string | null = "fe:k"): ChainFields {
  return {
    event_id: `${"0".repeat(31)}1`,
    kind: "task.dispatched",
    payload_json: payload,
    schema_version: 1,
    occurred_at: "2026-06-02T12:00:00.000000+00:00",
    task_id: "42",
    saga_id: null,
    idempotency_key: key,
  };
}

/** The hash input written out by hand, as the chain's rule states it (upstream's writer). */
const expected = (prev: string, f: ChainFields): string => linkedHash(prev, f);

test("a tail as UTF-8 bytes hashes as the tail as text, for every kind of head and field", () => {
  const heads = [
    GENESIS_HASH,
    "ab".repeat(32),
    'an upstream head with a " quote',
    "a head with \\ and \n",
    "caf\u00e9 \ud83d\ude00",
    "",
  ];
  const payloads = [
    '{"a":1}',
    '{"text":"caf\\u00e9"}',
    '{"quote":"\\"","tab":"\\t"}',
    `{"big":"${"x".repeat(10_000)}"}`,
    `{"bigger":"${"y".repeat(70_000)}"}`,
  ];
  for (const prev of heads) {
    for (const payload of payloads) {
      for (const key of ["fe:k", "fe:\u00e9\ud83d\ude00", null]) {
        const f = fields(payload, key);
        const tail = chainTail(f);
        const want = expected(prev, f);
        expect(chainHash(prev, tail)).toBe(want);
        expect(chainHash(prev, utf8.encode(tail))).toBe(want);
      }
    }
  }
});

test("tails read from inside a larger buffer, heads whose escapes outgrow the kept buffer", () => {
  const f = fields('{"a":"caf\\u00e9"}');
  const tail = utf8.encode(chainTail(f));
  const framed = new Uint8Array(tail.length + 20);
  framed.set(tail, 7);
  const inside = framed.subarray(7, 7 + tail.length);
  // An input past the kept size: the buffer is small again after it.
  const huge = fields(`{"huge":"${"h".repeat(2 * 1024 * 1024)}"}`);
  expect(chainHash(GENESIS_HASH, utf8.encode(chainTail(huge)))).toBe(expected(GENESIS_HASH, huge));
  for (const prev of [
    GENESIS_HASH,
    "\u0000".repeat(2000),
    "\u2028".repeat(3000),
    "x".repeat(5000),
  ]) {
    expect(chainHash(prev, inside)).toBe(expected(prev, f));
  }
});

test("the byte path's kept buffer does not carry one input into the next", () => {
  const long = fields(`{"big":"${"z".repeat(20_000)}"}`);
  const short = fields('{"a":1}');
  expect(chainHash(GENESIS_HASH, utf8.encode(chainTail(long)))).toBe(expected(GENESIS_HASH, long));
  expect(chainHash('a " head', utf8.encode(chainTail(short)))).toBe(expected('a " head', short));
  expect(chainHash(GENESIS_HASH, utf8.encode(chainTail(short)))).toBe(
    expected(GENESIS_HASH, short),
  );
});
