import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
