import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gcTopics } from "../../src/fmail/gc.ts";
import { publish } from "../../src/fmail/publish.ts";
import { cleanupTempDirs, tempDir } from "./helpers.ts";

afterEach(cleanupTempDirs);

const NOW = new Date("2026-01-20T12:00:00Z");
const DAY = 86_400_000;

function seed(root: string): void {
  const at = (days: number) => new Date(NOW.getTime() - days * DAY);
  publish(root, "forge-events", { from: "a", body: 1, time: at(10) }); // old by ID
  publish(root, "forge-events", { from: "a", body: 2, time: at(0.5) }); // recent by ID
  publish(root, "other", { from: "a", body: 3, time: at(3) }); // old for --days 2
  const dir = join(root, ".fmail", "topics", "forge-events");
  // No ID prefix: the mtime decides.
  writeFileSync(join(dir, "legacy-old.json"), "{}");
  utimesSync(join(dir, "legacy-old.json"), at(9), at(9));
  writeFileSync(join(dir, "legacy-new.json"), "{}");
  utimesSync(join(dir, "legacy-new.json"), at(0.1), at(0.1));
  // A temp file a crashed writer left behind.
  writeFileSync(join(dir, ".tmp-1-1-abc.partial"), "{");
  utimesSync(join(dir, ".tmp-1-1-abc.partial"), at(9), at(9));
}

describe("gc", () => {
  test("dry-run lists old messages (by ID time, else mtime) and deletes nothing", () => {
    const root = tempDir();
    seed(root);
    const before = readdirSync(join(root, ".fmail", "topics", "forge-events")).sort();
    const result = gcTopics(root, { days: 7, dryRun: true, now: NOW });
    expect(result.dryRun).toBe(true);
    expect(result.removed).toEqual([
      "topics/forge-events/.tmp-1-1-abc.partial",
      expect.stringMatching(/^topics\/forge-events\/20260110-120000-\d{4}\.json$/),
      "topics/forge-events/legacy-old.json",
    ]);
    expect(readdirSync(join(root, ".fmail", "topics", "forge-events")).sort()).toEqual(before);
  });

  test("deletes messages older than N days in every topic, or in one topic", () => {
    const root = tempDir();
    seed(root);
    expect(gcTopics(root, { days: 2, topic: "forge-events", now: NOW }).removed.length).toBe(3);
    expect(readdirSync(join(root, ".fmail", "topics", "other")).length).toBe(1);
    const left = readdirSync(join(root, ".fmail", "topics", "forge-events")).sort();
    expect(left.length).toBe(2);
    expect(left).toContain("legacy-new.json");
    expect(left.some((f) => f.startsWith("20260120-000000-"))).toBe(true);
    expect(gcTopics(root, { days: 2, now: NOW }).removed).toEqual([
      expect.stringMatching(/^topics\/other\/20260117-120000-\d{4}\.json$/),
    ]);
    expect(readdirSync(join(root, ".fmail", "topics", "other"))).toEqual([]);
  });

  test("removed paths are listed in Go's file name order (UTF-8 bytes = code points)", () => {
    const root = tempDir();
    publish(root, "forge-events", { from: "a", body: 1, time: NOW });
    const dir = join(root, ".fmail", "topics", "forge-events");
    const old = new Date(NOW.getTime() - 9 * DAY);
    for (const name of ["\u{1F600}.json", "\uFFFD.json", "z.json"]) {
      writeFileSync(join(dir, name), "{}");
      utimesSync(join(dir, name), old, old);
    }
    // UTF-16 order would put U+1F600 (d83d de00) before U+FFFD.
    expect(gcTopics(root, { days: 7, dryRun: true, now: NOW }).removed).toEqual([
      "topics/forge-events/z.json",
      "topics/forge-events/\uFFFD.json",
      "topics/forge-events/\u{1F600}.json",
    ]);
  });

  test("bad days are a usage error; a missing mailbox is empty", () => {
    const root = tempDir();
    expect(() => gcTopics(root, { days: -1 })).toThrow(/days/);
    expect(gcTopics(root, { days: 0 }).removed).toEqual([]);
  });
});
