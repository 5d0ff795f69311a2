import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { followFile } from "../../src/follow/follower.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";

const line = (tick: number, extra = "") =>
  `{"ts": "2026-06-02T12:00:0${tick}Z", "kind": "tick_start", "tick": ${tick}, "issues": [${tick}]${extra}}`;

test("poisoned lines are quarantined one by one; the lines around them, and reruns, go on", async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const parts: (string | Buffer)[] = [
    `${line(1)}\n`,
    // A crash extended the file with NULs; the next record was appended right after them.
    Buffer.alloc(4096),
    `${line(2)}\n`,
    // A BOM in the middle (two files concatenated).
    `\ufeff${line(3)}\n`,
    Buffer.concat([
      Buffer.from(line(4, ', "x": "')),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
    ]),
    `{"ts": "yesterday", "kind": "tick_start", "tick": 5, "issues": [5]}\n`,
    `${line(6, `, "deep": ${deep}`)}\n`,
    `${line(7, ', "cost": 1e400')}\n`,
    `${line(8, ', "big": 12345678901234567890')}\n`,
    `${line(9)}\n`,
  ];
  writeFileSync(
    file,
    Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))),
  );
  const store = await EventStore.open(join(dir, "e.db"));
  const summary = await followFile({ store, file });
  expect(summary.stoppedBy).toBe("end_of_file");
  expect(summary.quarantined).toBe(5);
  const ticks = [...store.since(0, { kinds: ["tick.started"] })].map((e) => e.saga_id);
  expect(ticks).toEqual(["tick:1", "tick:2", "tick:3", "tick:9"]);
  const reasons = store.listQuarantine().map((q) => [q.lineNumber, q.reason]);
  expect(reasons).toEqual([
    [4, expect.stringContaining("not valid UTF-8")],
    [5, expect.stringContaining('time "yesterday" is not ISO-8601')],
    [6, expect.stringContaining("deeper than 64 levels")],
    [7, expect.stringContaining("field cost holds Infinity")],
    [8, expect.stringContaining("12345678901234567890 is beyond 2^53")],
  ]);
  expect(store.verify().ok).toBe(true);
  // Every event stays readable; a rerun adds nothing and quarantines nothing twice.
  expect([...store.since(0)].length).toBe(8);
  const again = await followFile({ store, file });
  expect(again).toMatchObject({ eventsAppended: 0, linesRead: 0 });
  expect(store.listQuarantine()).toHaveLength(5);
  store.close();
});
