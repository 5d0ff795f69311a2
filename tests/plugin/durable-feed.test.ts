/**
 * The writer's side of the ring (DurableFeed) on its own, with a writer that records what it
 * is handed: a gap is read back from the real JSONL in bounded chunks cut at line ends, and a
 * drain that throws still hands over the frames it took before.
 */
import { expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DurableFeed, GAP_CHUNK_BYTES } from "../../src/plugin/durable-feed.ts";
import {
  FRAME_GAP,
  FRAME_LINE,
  FRAME_UNENCODABLE,
  type WriterItem,
  type WriterSettings,
} from "../../src/plugin/durable-protocol.ts";
import type { DurableWriter } from "../../src/plugin/durable-writer.ts";
import { SharedRing } from "../../src/plugin/shared-ring.ts";
import { tempDir } from "../helpers.ts";

const utf8 = new TextEncoder();

function feedOf(jsonl: string, ring: SharedRing) {
  const accepted: { items: WriterItem[]; ours: number }[] = [];
  const lost: number[] = [];
  const writer = {
    accept: (items: WriterItem[], ours = items.length) => accepted.push({ items, ours }),
    lost: (count: number) => lost.push(count),
  } as unknown as DurableWriter;
  const settings = { jsonl, jsonlKeep: 0, mirrorFlushMs: 1000 } as WriterSettings;
  return { feed: new DurableFeed(ring, settings, writer), accepted, lost };
}

const line = (n: number) =>
  `${JSON.stringify({ kind: "tick_idle", tick: n, pad: "x".repeat(n % 900) })}\n`;

test("a gap of several MiB is read back in chunks of at most GAP_CHUNK_BYTES, each whole lines, in order", () => {
  const jsonl = join(tempDir(), "e.jsonl");
  const lines: string[] = [];
  for (let n = 0, size = 0; size < 3.5 * GAP_CHUNK_BYTES; n++) {
    lines.push(line(n));
    size += lines[n]!.length;
  }
  writeFileSync(jsonl, lines.join(""));
  const st = statSync(jsonl);
  const ring = SharedRing.create(4096);
  const gap = { dev: st.dev, ino: st.ino, start: 0, end: st.size, count: lines.length };
  ring.push(FRAME_GAP, 0, utf8.encode(JSON.stringify(gap)));
  const { feed, accepted, lost } = feedOf(jsonl, ring);
  feed.drain();
  expect(lost).toEqual([]);
  expect(accepted.length).toBeGreaterThanOrEqual(4);
  for (const { items } of accepted) {
    const bytes = items.reduce(
      (n, item) => n + JSON.stringify((item as { record: unknown }).record).length + 1,
      0,
    );
    expect(bytes).toBeLessThanOrEqual(GAP_CHUNK_BYTES);
  }
  const ticks = accepted.flatMap(({ items }) =>
    items.map((i) => (i as { record: { tick: number } }).record.tick),
  );
  expect(ticks).toEqual(lines.map((_, n) => n));
  expect(accepted.reduce((n, a) => n + a.ours, 0)).toBe(lines.length);
});

test("a drain that throws still hands the writer the frames it took before, all counted", () => {
  const ring = SharedRing.create(4096);
  ring.push(FRAME_LINE, 0, utf8.encode(line(1)));
  ring.push(FRAME_LINE, 0, utf8.encode(line(2)));
  ring.push(FRAME_UNENCODABLE, 0, utf8.encode("{not json"));
  const { feed, accepted } = feedOf(join(tempDir(), "e.jsonl"), ring);
  expect(() => feed.drain()).toThrow();
  // The two lines, and all three frames counted as received: the sink's in-flight count,
  // handed minus received, comes back to 0.
  expect(accepted.map((a) => [a.items.length, a.ours])).toEqual([[2, 3]]);
  expect(ring.waiting()).toBe(0);
});
