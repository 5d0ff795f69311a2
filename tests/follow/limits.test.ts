import { expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { legacyLine } from "../../src/encoding/python-json.ts";
import { tempDir } from "../helpers.ts";
import {
  cleanKeys,
  dbState,
  joinLines,
  realisticLines,
  runMirror,
  writeLines,
} from "./legacy-lines.ts";

test("a 20 MB line is quarantined with its first 4 KiB and its reason; the lines around it are mirrored", async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const before = realisticLines(50);
  const after = realisticLines(50, 50);
  const long = legacyLine({
    ts: "2026-06-02T12:00:00Z",
    kind: "tick_start",
    blob: "x".repeat(20 << 20),
  });
  writeLines(file, before);
  appendFileSync(file, `${long}\n`);
  appendFileSync(file, joinLines(after));
  const run = await runMirror([file, "--db", db, "--json"]);
  expect(run.exitCode).toBe(0);
  expect(run.summary).toMatchObject({ lines_read: 101, quarantined: 1 });
  const state = await dbState(db);
  expect(state.keys).toEqual(await cleanKeys(dir, "clean", [...before, ...after]));
  expect(state.quarantine).toHaveLength(1);
  const q = state.quarantine[0];
  expect(q?.line_number).toBe(51);
  expect(q?.raw).toBe(long.slice(0, 4096));
  expect(q?.reason).toBe(
    `a line of ${long.length} bytes is longer than the 1024 KiB a line may have: quarantined with only its first 4 KiB, never mirrored`,
  );
}, 60_000);

test("the summary counts at most 100 distinct unknown kinds by name, the rest as (other)", async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const kinds = Array.from({ length: 150 }, (_, i) => `made_up_${i}`);
  writeLines(file, [
    ...kinds.map((kind, i) =>
      legacyLine({ ts: `2026-06-02T12:00:${String(i % 60).padStart(2, "0")}Z`, kind }),
    ),
    legacyLine({ ts: "2026-06-02T13:00:00Z", kind: "made_up_0" }),
    legacyLine({ ts: "2026-06-02T13:00:01Z", kind: "k".repeat(500) }),
  ]);
  const run = await runMirror([file, "--db", db, "--json"]);
  expect(run.exitCode).toBe(0);
  const skipped = run.summary?.skipped_kinds as Record<string, number>;
  expect(Object.keys(skipped)).toHaveLength(101);
  expect(skipped.made_up_0).toBe(2);
  expect(skipped.made_up_99).toBe(1);
  expect(skipped.made_up_100).toBeUndefined();
  expect(skipped["(other)"]).toBe(51);
});
