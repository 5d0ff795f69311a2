import { describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gcTopics } from "../../src/fmail/gc.ts";
import { publish } from "../../src/fmail/publish.ts";
import { tempDir } from "../helpers.ts";

const NOW = new Date("2026-01-20T12:00:00Z");
const DAY = 86_400_000;

function seed(root: string): void {
  const at = (days: number) => new Date(NOW.getTime() - days * DAY);
  publish(root, "forge-events", { from: "a", body: 1, time: at(10) }); // old by ID
  publish(root, "forge-events", { from: "a", body: 2, time: at(0.5) }); // recent by ID
  publish(root, "other", { from: "a", body: 3, time: at(3) }); // old for --days 2
  const dir = join(root, ".fmail", "topics", "forge-events");
  // Not named like a message: never touched, however old.
  writeFileSync(join(dir, "legacy-old.json"), "{}");
  utimesSync(join(dir, "legacy-old.json"), at(9), at(9));
  writeFileSync(join(dir, "legacy-new.json"), "{}");
  utimesSync(join(dir, "legacy-new.json"), at(0.1), at(0.1));
  // A temp file a crashed writer left behind.
  writeFileSync(join(dir, ".tmp-1-1-abc.partial"), "{");
  utimesSync(join(dir, ".tmp-1-1-abc.partial"), at(9), at(9));
}

describe("gc", () => {
  test("dry-run lists old messages (by ID time) and deletes nothing", () => {
    const root = tempDir();
    seed(root);
    const before = readdirSync(join(root, ".fmail", "topics", "forge-events")).sort();
    const result = gcTopics(root, { days: 7, dryRun: true, now: NOW });
    expect(result.dryRun).toBe(true);
    expect(result.removed).toEqual([
      "topics/forge-events/.tmp-1-1-abc.partial",
      expect.stringMatching(/^topics\/forge-events\/20260110-120000-\d{4}\.json$/),
    ]);
    expect(readdirSync(join(root, ".fmail", "topics", "forge-events")).sort()).toEqual(before);
  });

  test("deletes messages older than N days in every topic, or in one topic", () => {
    const root = tempDir();
    seed(root);
    expect(gcTopics(root, { days: 2, topic: "forge-events", now: NOW }).removed.length).toBe(2);
    expect(readdirSync(join(root, ".fmail", "topics", "other")).length).toBe(1);
    const left = readdirSync(join(root, ".fmail", "topics", "forge-events")).sort();
    expect(left.length).toBe(3);
    expect(left).toContain("legacy-new.json");
    expect(left).toContain("legacy-old.json");
    expect(left.some((f) => f.startsWith("20260120-000000-"))).toBe(true);
    expect(gcTopics(root, { days: 2, now: NOW }).removed).toEqual([
      expect.stringMatching(/^topics\/other\/20260117-120000-\d{4}\.json$/),
    ]);
    expect(readdirSync(join(root, ".fmail", "topics", "other"))).toEqual([]);
  });

  test("only files named like a message id are removed, whatever their mtime", () => {
    const root = tempDir();
    publish(root, "forge-events", { from: "a", body: 1, time: NOW });
    const dir = join(root, ".fmail", "topics", "forge-events");
    const old = new Date(NOW.getTime() - 9 * DAY);
    const strangers = [
      "\u{1F600}.json",
      "z.json",
      "notes.json",
      "20260101-120000.json", // no counter
      "20260231-120000-0001.json", // no such day
      "20260101-120000-0001.json.bak",
      ".tmp-notes.partial",
    ];
    for (const name of strangers) {
      writeFileSync(join(dir, name), "{}");
      utimesSync(join(dir, name), old, old);
    }
    writeFileSync(join(dir, "20260101-120000-0001.json"), "{}");
    expect(gcTopics(root, { days: 7, now: NOW }).removed).toEqual([
      "topics/forge-events/20260101-120000-0001.json",
    ]);
    for (const name of strangers) expect(existsSync(join(dir, name))).toBe(true);
  });

  test("a symlinked topic folder is never followed: files outside the root survive", () => {
    const root = tempDir();
    const outside = tempDir();
    const victims = ["20260101-120000-0001.json", "precious.json"];
    for (const name of victims) writeFileSync(join(outside, name), "{}");
    publish(root, "forge-events", { from: "a", body: 1, time: new Date(NOW.getTime() - 10 * DAY) });
    mkdirSync(join(root, ".fmail", "topics"), { recursive: true });
    symlinkSync(outside, join(root, ".fmail", "topics", "linked"));
    const result = gcTopics(root, { days: 1, now: NOW });
    expect(result.removed).toEqual([
      expect.stringMatching(/^topics\/forge-events\/20260110-120000-\d{4}\.json$/),
    ]);
    expect(result.skipped).toEqual([
      { path: "topics/linked", reason: expect.stringContaining("symlink") },
    ]);
    expect(gcTopics(root, { days: 1, topic: "linked", now: NOW }).skipped.length).toBe(1);
    for (const name of victims) expect(existsSync(join(outside, name))).toBe(true);
  });

  test("a symlinked .fmail/topics leading outside the root is skipped too", () => {
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(join(outside, "forge-events"));
    writeFileSync(join(outside, "forge-events", "20260101-120000-0001.json"), "{}");
    mkdirSync(join(root, ".fmail"));
    symlinkSync(outside, join(root, ".fmail", "topics"));
    const result = gcTopics(root, { days: 1, now: NOW });
    expect(result.removed).toEqual([]);
    expect(result.skipped[0]?.reason).toContain("outside the fmail root");
    expect(existsSync(join(outside, "forge-events", "20260101-120000-0001.json"))).toBe(true);
  });

  test("bad days are a usage error; a missing mailbox is empty", () => {
    const root = tempDir();
    expect(() => gcTopics(root, { days: -1 })).toThrow(/days/);
    expect(gcTopics(root, { days: 0 }).removed).toEqual([]);
  });
});
