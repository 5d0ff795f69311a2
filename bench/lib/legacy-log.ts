import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { legacyLine } from "../../src/encoding/python-json.ts";

const GOLDEN = join(import.meta.dir, "../../tests/plugin/golden/demo-session.jsonl");

/**
 * A realistic legacy JSONL of `count` lines at `path`: the demo session's 56 records over and
 * over, each with its own ts and each session with its own ticks; every 7th without ts (it
 * has a seq instead), as some runner code paths write.
 */
export function writeLegacyLog(path: string, count: number): void {
  const golden = readFileSync(GOLDEN, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const base = Date.parse("2026-06-02T12:00:00.000Z");
  const fd = openSync(path, "w");
  let chunk = "";
  for (let i = 0; i < count; i++) {
    const rec: Record<string, unknown> = { ...golden[i % golden.length] };
    if (typeof rec.tick === "number") rec.tick += Math.floor(i / golden.length) * 4;
    if (i % 7 === 3) {
      delete rec.ts;
      rec.seq = i;
    } else {
      rec.ts = new Date(base + i * 1000 + (i % 997)).toISOString();
    }
    chunk += `${legacyLine(rec)}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = "";
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}
