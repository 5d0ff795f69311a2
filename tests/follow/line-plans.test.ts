import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LinePlan, planLines } from "../../src/follow/line-plan.ts";
import { packPlans, unpackPlans } from "../../src/follow/plan-transport.ts";
import { compileFastCheck } from "../../src/legacy/fast-check.ts";
import { anyLegacyRecordSchema, LEGACY_SCHEMAS } from "../../src/legacy/schemas.ts";
import { encodeEvent } from "../../src/store/append.ts";
import { chainHash, GENESIS_HASH } from "../../src/store/chain.ts";
import { orderedEventIds } from "../../src/store/event-ids.ts";
import { REPO } from "../helpers.ts";

const golden = readFileSync(join(REPO, "tests/plugin/golden/demo-session.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean);

/** Each golden record, and variants with one field broken or dropped. */
function corpus(): unknown[] {
  const values: unknown[] = [];
  const odd = [null, "7", -1, 1.5, [], {}, true, Number.MAX_SAFE_INTEGER + 2, ""];
  for (const line of golden) {
    const rec = JSON.parse(line) as Record<string, unknown>;
    values.push(rec);
    for (const key of Object.keys(rec)) {
      const { [key]: _dropped, ...without } = rec;
      values.push(without);
      for (const v of odd) values.push({ ...rec, [key]: v });
      const field = rec[key];
      if (Array.isArray(field) && field.length > 0) {
        values.push({ ...rec, [key]: [...field, "x"] });
        if (typeof field[0] === "object" && field[0] !== null) {
          for (const [k, v] of Object.entries(field[0])) {
            values.push({ ...rec, [key]: [{ ...field[0], [k]: typeof v === "number" ? "n" : 5 }] });
          }
        }
      }
    }
  }
  values.push(
    null,
    [],
    "x",
    5,
    { kind: "" },
    { kind: 5 },
    { kind: "mcp_tool_rate_limited", ts: 5 },
  );
  return values;
}

test("the compiled checks never accept what zod rejects, and accept every valid golden record", () => {
  const schemas = [...Object.values(LEGACY_SCHEMAS), anyLegacyRecordSchema];
  let accepted = 0;
  for (const schema of schemas) {
    const fast = compileFastCheck(schema);
    expect(fast).toBeDefined();
    for (const value of corpus()) {
      const ok = fast?.(value) === true;
      if (ok) {
        accepted++;
        expect({ value, zod: schema.safeParse(value).success }).toEqual({ value, zod: true });
      }
    }
  }
  for (const line of golden) {
    const rec = JSON.parse(line) as { kind: string };
    const schema = LEGACY_SCHEMAS[rec.kind as keyof typeof LEGACY_SCHEMAS] ?? anyLegacyRecordSchema;
    expect(compileFastCheck(schema)?.(rec)).toBe(true);
  }
  expect(accepted).toBeGreaterThan(golden.length);
});

test("plans survive packing for the worker thread unchanged", () => {
  const texts = [
    ...golden,
    "",
    "   ",
    "not json",
    "[1, 2]",
    '{"no": "kind"}',
    '{"kind": "tick_start", "tick": "seven", "issues": [1]}',
    '{"kind": "worker_started", "issue": 7, "session_id": "s-\u00e9-\ud83d\ude00"}',
  ];
  const plans: LinePlan[] = planLines(texts, orderedEventIds());
  // Keys beyond ASCII: their tails take more bytes than characters, past the first guess.
  const wide = Array.from({ length: 50 }, (_, i) =>
    encodeEvent({
      kind: "task.dispatched",
      payload: { i },
      idempotencyKey: `fe:caf\u00e9-\ud83d\ude00-${"\u4e2d".repeat(i * 10)}`,
      taskId: "\u00e9",
    }),
  );
  plans.push({ status: "events", events: wide });
  const packed = packPlans(plans);
  const unpacked = unpackPlans(
    structuredClone(packed, { transfer: [packed.tails.buffer as ArrayBuffer] }),
  );
  // The tails cross as their UTF-8 bytes; everything else as it was.
  const utf8 = new TextEncoder();
  const asBytes = plans.map((p) =>
    p.status === "events"
      ? {
          ...p,
          events: p.events.map((e) => ({ ...e, chain_tail: utf8.encode(e.chain_tail as string) })),
        }
      : p,
  );
  expect(unpacked).toEqual(asBytes);
  const events = plans.flatMap((p) => (p.status === "events" ? p.events : []));
  const crossed = unpacked.flatMap((p) => (p.status === "events" ? p.events : []));
  let prev = GENESIS_HASH;
  events.forEach((e, i) => {
    const hash = chainHash(prev, e.chain_tail);
    expect(chainHash(prev, crossed[i]?.chain_tail ?? "")).toBe(hash);
    prev = hash;
  });
  expect(plans.map((p) => p.status).slice(golden.length, -1)).toEqual([
    "blank",
    "blank",
    "malformed",
    "malformed",
    "malformed",
    "invalid",
    "events",
  ]);
});

test("ordered event ids are uuid4-shaped 32 hex characters, unique and increasing", () => {
  let now = 1_780_000_000_000;
  const next = orderedEventIds(() => now);
  const ids: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    if (i % 3000 === 0) now++;
    ids.push(next());
  }
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
});
