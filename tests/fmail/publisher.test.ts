import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isEventLogError } from "../../src/errors.ts";
import { fmailEventsConfigSchema, parseFmailEventsConfig } from "../../src/fmail/config.ts";
import { DEFAULT_EMIT } from "../../src/fmail/events.ts";
import { LoopEventPublisher } from "../../src/fmail/publisher.ts";
import { readTopic } from "../../src/fmail/read.ts";
import { tempDir } from "../helpers.ts";

const STREAM = [
  { kind: "loop_start", label: "coder-1" },
  { kind: "tick_start", tick: 1, issues: [5] },
  { kind: "tick_done", tick: 1, outcomes: [{ issue: 5, status: "merged" }] },
  { kind: "loop_stop", tick: 1 },
];

describe("events config", () => {
  test("defaults: disabled, topic forge-events, every event but iteration_start", () => {
    expect(fmailEventsConfigSchema.parse({})).toEqual({
      enabled: false,
      topic: "forge-events",
      emit: ["loop_start", "iteration_complete", "loop_stop", "loop_error", "loop_cooldown"],
    });
    expect(DEFAULT_EMIT).not.toContain("iteration_start");
    expect(fmailEventsConfigSchema.parse({ topic: " Loop-Events " }).topic).toBe("loop-events");
  });

  test("an invalid topic, event name or unknown key fails with a clear config_invalid error", () => {
    expect(fmailEventsConfigSchema.safeParse({ topic: "forge_events" }).success).toBe(false);
    try {
      parseFmailEventsConfig({ topic: "forge events", emit: ["loop_crash"], topics: "x" });
      throw new Error("no error");
    } catch (e) {
      expect(isEventLogError(e, "config_invalid")).toBe(true);
      const msg = (e as Error).message;
      expect(msg).toContain('events.topic "forge events" is not a valid fmail topic');
      expect(msg).toContain("lower-case letters a-z, digits 0-9 and '-'");
      expect(msg).toContain('"loop_crash" is not a loop event');
      expect(msg).toContain("topics");
    }
    expect(() => new LoopEventPublisher({ enabled: true, topic: "Bad Topic!" })).toThrow(
      /events.topic/,
    );
  });
});

describe("LoopEventPublisher", () => {
  test("publishes the emitted events as loop-<loop> with tags; iteration_start off by default", () => {
    const root = tempDir();
    const p = new LoopEventPublisher({ enabled: true }, { cwd: root, env: { FMAIL_ROOT: root } });
    for (const r of STREAM) p.observe(r);
    expect(p.stats()).toEqual({ derived: 4, filtered: 1, published: 3, failed: 0 });
    const msgs = readTopic(root, "forge-events").messages;
    expect(msgs.map((m) => (m.body as { event: string }).event)).toEqual([
      "loop_start",
      "iteration_complete",
      "loop_stop",
    ]);
    for (const m of msgs) {
      expect(m.from).toBe("loop-coder-1");
      expect(m.to).toBe("forge-events");
      expect(Object.keys(m.body as object)[0]).toBe("event");
    }
    expect(msgs[1]?.tags).toEqual(["loop", "coder-1", "iteration-complete"]);
  });

  test("finds the root like fmail (nearest .fmail) and honours config.root", () => {
    const base = tempDir();
    mkdirSync(join(base, ".fmail"));
    mkdirSync(join(base, "deep", "er"), { recursive: true });
    const p = new LoopEventPublisher(
      { enabled: true, loop: "x" },
      { cwd: join(base, "deep", "er"), env: {} },
    );
    p.observe(STREAM[0]);
    expect(readTopic(base, "forge-events").messages.length).toBe(1);
    const other = tempDir();
    const q = new LoopEventPublisher(
      { enabled: true, root: other, topic: "t" },
      { cwd: base, env: {} },
    );
    q.observe(STREAM[0]);
    expect(readTopic(other, "t").messages.length).toBe(1);
  });

  test("disabled: nothing derived, no .fmail folder created anywhere", () => {
    const root = tempDir();
    mkdirSync(join(root, ".git"));
    const p = new LoopEventPublisher({ enabled: false, root }, { cwd: root, env: {} });
    const q = new LoopEventPublisher(undefined, { cwd: root, env: {} });
    for (const r of STREAM) {
      expect(p.observe(r)).toEqual([]);
      expect(q.observe(r)).toEqual([]);
    }
    expect(p.enabled).toBe(false);
    expect(p.stats()).toEqual({ derived: 0, filtered: 0, published: 0, failed: 0 });
    expect(existsSync(join(root, ".fmail"))).toBe(false);
    expect(readdirSync(root)).toEqual([".git"]);
  });

  test("an unwritable topic path never throws into the loop: failures counted, logged once", () => {
    const root = tempDir();
    mkdirSync(join(root, ".fmail", "topics"), { recursive: true });
    writeFileSync(join(root, ".fmail", "topics", "forge-events"), "a file, not a folder");
    const warnings: string[] = [];
    const p = new LoopEventPublisher(
      { enabled: true },
      { cwd: root, env: { FMAIL_ROOT: root }, logger: { warn: (m) => warnings.push(m) } },
    );
    for (const r of STREAM) expect(() => p.observe(r)).not.toThrow();
    expect(p.stats()).toEqual({ derived: 4, filtered: 1, published: 0, failed: 3 });
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain(join(root, ".fmail", "topics", "forge-events"));
    expect(warnings[0]).toMatch(/remove it|FMAIL_ROOT/);
    expect(warnings[0]).toStartWith("fmail events: could not publish loop_start to fmail topic");
    expect(warnings[0]).toEndWith(
      " (the loop goes on; later failures are only counted, see stats())",
    );
  });

  test("a logger that throws does not break the loop either", () => {
    const root = tempDir();
    mkdirSync(join(root, ".fmail", "topics"), { recursive: true });
    writeFileSync(join(root, ".fmail", "topics", "forge-events"), "a file, not a folder");
    let calls = 0;
    const p = new LoopEventPublisher(
      { enabled: true },
      {
        cwd: root,
        env: { FMAIL_ROOT: root },
        logger: {
          warn: () => {
            calls++;
            throw new Error("logger down");
          },
        },
      },
    );
    for (const r of STREAM) expect(() => p.observe(r)).not.toThrow();
    expect(p.stats()).toEqual({ derived: 4, filtered: 1, published: 0, failed: 3 });
    expect(calls).toBe(1);
  });

  test("odd records do not throw either", () => {
    const root = tempDir();
    const p = new LoopEventPublisher({ enabled: true, root }, { cwd: root, env: {} });
    for (const r of [
      undefined,
      null,
      "text",
      1,
      { kind: 5 },
      { kind: "tick_done", outcomes: "x" },
    ]) {
      expect(() => p.observe(r)).not.toThrow();
    }
    expect(p.stats().failed).toBe(0);
  });
});
