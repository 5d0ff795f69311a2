import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { inexactIntegerIn, MAX_JSON_DEPTH } from "../../src/encoding/json-limits.ts";
import { Mirror } from "../../src/mirror/mirror.ts";
import { planRecord } from "../../src/mirror/plan-record.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";

const GOOD = { ts: "2026-06-02T12:00:00Z", kind: "tick_start", tick: 7, issues: [167] };

test("a ts that is no time makes that record invalid, naming ts; nothing is thrown", () => {
  for (const ts of ["yesterday", "", "2026-02-30T00:00:00Z", "2026-06-02T25:00:00Z", "\ud800"]) {
    const plan = planRecord({ ...GOOD, ts });
    expect(plan.status).toBe("invalid");
    if (plan.status === "invalid") expect(plan.reason).toContain("tick_start: time");
  }
});

test("nesting past the depth limit, and NaN or Infinity anywhere, make the record invalid", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const tooDeep = planRecord({ ...GOOD, extra: deep });
  expect(tooDeep).toMatchObject({ status: "invalid" });
  if (tooDeep.status === "invalid") {
    expect(tooDeep.reason).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
  }
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, JSON.parse('{"a":1e400}').a]) {
    const plan = planRecord({ ...GOOD, meta: { cost_usd: bad } });
    expect(plan).toMatchObject({ status: "invalid" });
    if (plan.status === "invalid") expect(plan.reason).toContain("field meta.cost_usd holds");
  }
  // Just inside the limit is fine.
  let ok: unknown = 1;
  for (let i = 0; i < MAX_JSON_DEPTH - 2; i++) ok = [ok];
  expect(planRecord({ ...GOOD, extra: ok }).status).toBe("events");
});

test("a poisoned record between good ones is quarantined alone; the log stays readable", async () => {
  const dir = tempDir();
  const store = await EventStore.open(join(dir, "e.db"));
  const mirror = new Mirror(store);
  store.transaction(() => {
    mirror.mirrorRecord(GOOD);
    mirror.mirrorRecord({ ...GOOD, tick: 8, ts: "yesterday" });
    mirror.mirrorRecord({ ...GOOD, tick: 9, note: Number.NaN });
    mirror.mirrorRecord({ ...GOOD, tick: 10, ts: "2026-06-02T12:00:10Z" });
  });
  expect(mirror.stats()).toMatchObject({ appended: 4, quarantined: 2 });
  expect(store.listQuarantine().map((q) => q.reason)).toEqual([
    expect.stringContaining("not ISO-8601"),
    expect.stringContaining("field note holds NaN"),
  ]);
  expect([...store.since(0)].map((e) => e.saga_id)).toEqual([
    "tick:7",
    "tick:7",
    "tick:10",
    "tick:10",
  ]);
  expect(store.verify().ok).toBe(true);
  store.close();
});

test("a circular or non-finite milestone through a hook leaves the runner and its neighbours untouched", async () => {
  const dir = tempDir();
  const warnings: string[] = [];
  const plugin = await EventLogPlugin.create({
    config: resolveConfig({ jsonl: "e.jsonl", db: "e.db", mirror: true, mirrorFlushMs: 0 }, dir),
    logger: { warn: (m) => warnings.push(m) },
  });
  const circular: Record<string, unknown> = { ...GOOD, tick: 8 };
  circular.self = circular;
  plugin.onTick(GOOD);
  expect(() => plugin.onTick(circular as never)).not.toThrow();
  plugin.onTick({ ...GOOD, tick: 9, ratio: Number.POSITIVE_INFINITY } as never);
  plugin.onTick({ ...GOOD, tick: 10 });
  plugin.close();
  const stats = plugin.stats();
  expect(stats).toMatchObject({ jsonlWritten: 3, jsonlFailed: 1, durableFailed: 0 });
  expect(stats.mirror).toMatchObject({ appended: 4, quarantined: 2 });
  // The JSONL keeps what Python would write: Infinity included; the circular one cannot be written.
  const lines = readFileSync(join(dir, "e.jsonl"), "utf8").trimEnd().split("\n");
  expect(lines[1]).toContain('"ratio": Infinity');
  const store = await EventStore.open(join(dir, "e.db"), { readonly: true });
  expect([...store.since(0)]).toHaveLength(4);
  store.close();
});

test("integer literals beyond 2^53 are found in JSON text, outside strings only", () => {
  expect(inexactIntegerIn('{"a": 1, "b": "12345678901234567890"}')).toBeNull();
  expect(inexactIntegerIn('{"a": 12345678901234567890}')).toBe("12345678901234567890");
  expect(inexactIntegerIn('{"a": -9007199254740993}')).toBe("-9007199254740993");
  expect(inexactIntegerIn('{"a": 9007199254740991, "b": 1.2345678901234567e+30}')).toBeNull();
  expect(inexactIntegerIn('{"s": "x\\"12345678901234567890", "n": 2}')).toBeNull();
});
