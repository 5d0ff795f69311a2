import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { demoClock } from "../../src/demo/session.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { tempDir } from "../helpers.ts";
import { runSession } from "./session.ts";

const topic = (dir: string) => join(dir, ".fmail", "topics", "forge-events");

test("with events enabled, the session's lifecycle lands on the fmail topic", async () => {
  const dir = tempDir();
  const { plugin } = await runSession(dir, {
    jsonl: "e.jsonl",
    events: { enabled: true, root: ".", loop: "coder-1" },
  });
  const files = readdirSync(topic(dir))
    .filter((f) => f.endsWith(".json"))
    .sort();
  const bodies = files.map((f) => JSON.parse(readFileSync(join(topic(dir), f), "utf8")));
  const events = bodies.map((m) => m.body.event);
  expect(events[0]).toBe("loop_start");
  expect(events.filter((e) => e === "iteration_complete")).toHaveLength(4);
  expect(events).toContain("loop_error");
  expect(events).toContain("loop_cooldown");
  expect(events.filter((e) => e === "loop_stop")).toHaveLength(1);
  expect(events).not.toContain("iteration_start");
  for (const m of bodies) {
    expect(m.from).toBe("loop-coder-1");
    expect(m.to).toBe("forge-events");
    expect(m.tags.slice(0, 2)).toEqual(["loop", "coder-1"]);
  }
  const first = bodies.find((m) => m.body.event === "iteration_complete");
  expect(first.body).toMatchObject({ loop: "coder-1", iteration: 0, exit_code: 1 });
  expect(first.body.ledger_summary).toContain("merged #167");
  expect(plugin.stats().fmail.failed).toBe(0);
  expect(plugin.stats().offThread.fmail).toBe(true);
});

test("with events disabled (the default), no .fmail folder is created", async () => {
  const dir = tempDir();
  await runSession(dir, { jsonl: "e.jsonl" });
  expect(existsSync(join(dir, ".fmail"))).toBe(false);
});

/** A plugin with fmail events on, a 4 KiB ring, and a publisher that only drains at flush/close. */
async function tinyRing(dir: string, warnings: string[]) {
  return EventLogPlugin.create({
    config: resolveConfig(
      {
        jsonl: "e.jsonl",
        mirrorFlushMs: 60_000,
        ringBytes: 4096,
        events: { enabled: true, root: ".", loop: "coder-1" },
      },
      dir,
    ),
    now: demoClock(),
    logger: { warn: (m) => warnings.push(m) },
  });
}

const bulky = (kind: string, n: number) => ({ kind, tick: n, note: "x".repeat(400) });

test("only records that derive lifecycle events are handed to the publisher", async () => {
  const dir = tempDir();
  const warnings: string[] = [];
  const plugin = await tinyRing(dir, warnings);
  plugin.onStart({ kind: "loop_start", label: "coder-1" });
  // 100 lines of 400+ bytes: 10 times what the ring holds, had they been handed over.
  for (let n = 1; n <= 100; n++) plugin.onWorker(bulky("worker_start", n) as never);
  plugin.onHalt({ kind: "loop_stop" });
  plugin.close();
  expect(warnings).toEqual([]);
  expect(plugin.stats().fmail).toMatchObject({ failed: 0, published: 2 });
  expect(plugin.stats().jsonlWritten).toBe(102);
});

test("a full fmail ring: the hook goes on, what had no room is counted and said once", async () => {
  const dir = tempDir();
  const warnings: string[] = [];
  const plugin = await tinyRing(dir, warnings);
  for (let n = 1; n <= 50; n++) plugin.onTick(bulky("tick_start", n) as never);
  plugin.close();
  const { failed } = plugin.stats().fmail;
  expect(failed).toBeGreaterThan(0);
  expect(failed).toBeLessThan(50);
  expect(warnings.filter((w) => w.includes("ring"))).toHaveLength(1);
  expect(plugin.stats().jsonlWritten).toBe(50);
  expect(readFileSync(join(dir, "e.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(50);
});
