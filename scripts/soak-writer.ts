/**
 * The soak's runner stand-in (scripts/soak.sh): appends numbered legacy records to <file>
 * (sometimes in two writes, cutting a line) and applies the runner's and logrotate's
 * retention at random moments, until <stop-file> exists:
 *   - truncation: the file rewritten in place (same inode) with its last 50 lines;
 *   - rename rotation: .2 -> .3, .1 -> .2, the file -> .1, a new file, the old .4 deleted;
 *   - copytruncate: the same shift, the file copied to .1, then truncated in place.
 * It logs to <log> every record it wrote ("W from to") and every record retention took off
 * the disk ("R from to", whether or not a mirror had read it), then prints its totals.
 * Usage: bun scripts/soak-writer.ts <file> <log> <stop-file>
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { legacyLine } from "../src/encoding/python-json.ts";

const [file, log, stopFile] = process.argv.slice(2);
if (!file || !log || !stopFile) {
  console.error("usage: soak-writer.ts <file> <log> <stop-file>");
  process.exit(2);
}

const KEEP_ROTATED = 3;
const KEEP_LINES = 50;
const BASE_MS = Date.parse("2026-06-02T12:00:00.000Z");

/** The record numbers in the file and in .1 .. .3, in file order. */
let live: number[] = [];
const rotated: number[][] = [];
let next = 0;
const ops = { truncations: 0, rotations: 0, copytruncates: 0 };

const record = (n: number): string => {
  const rec: Record<string, unknown> = {
    kind: "worker_iteration_attempt",
    tick: 1 + Math.floor(n / 50),
    issue: 100 + (n % 97),
    session_id: `s-${n}`,
    soak: n,
  };
  // Every 7th record without ts, as some runner paths write (its key is a digest).
  if (n % 7 !== 3) rec.ts = new Date(BASE_MS + n * 10).toISOString();
  return `${legacyLine(rec)}\n`;
};

function removed(ids: number[]): void {
  if (ids.length > 0) appendFileSync(log as string, `R ${ids[0]} ${ids.at(-1)}\n`);
}

function shift(): void {
  // Drop the oldest last, after the new files exist (as logrotate does).
  for (let k = KEEP_ROTATED; k >= 1; k--) {
    if (existsSync(`${file}.${k}`)) renameSync(`${file}.${k}`, `${file}.${k + 1}`);
  }
}

function dropOldest(): void {
  rmSync(`${file}.${KEEP_ROTATED + 1}`, { force: true });
  if (rotated.length > KEEP_ROTATED) removed(rotated.pop() as number[]);
}

function retention(): void {
  const which = Math.floor(Math.random() * 3);
  if (which === 0) {
    const kept = live.slice(-KEEP_LINES);
    removed(live.slice(0, -KEEP_LINES));
    writeFileSync(file as string, kept.map(record).join(""));
    live = kept;
    ops.truncations++;
  } else if (which === 1) {
    shift();
    renameSync(file as string, `${file}.1`);
    writeFileSync(file as string, "");
    rotated.unshift(live);
    live = [];
    dropOldest();
    ops.rotations++;
  } else {
    shift();
    copyFileSync(file as string, `${file}.1`);
    truncateSync(file as string, 0);
    rotated.unshift(live);
    live = [];
    dropOldest();
    ops.copytruncates++;
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
writeFileSync(log, "");
writeFileSync(file, "");
let nextRetention = Date.now() + 300 + Math.random() * 900;
while (!existsSync(stopFile)) {
  const count = 1 + Math.floor(Math.random() * 20);
  const ids = Array.from({ length: count }, () => next++);
  const text = ids.map(record).join("");
  // Every fourth write stops in the middle of a line and finishes it a moment later.
  if (ids[0] !== undefined && ids[0] % 4 === 0) {
    const cut = Math.floor(Math.random() * text.length);
    appendFileSync(file, text.slice(0, cut));
    await sleep(2);
    appendFileSync(file, text.slice(cut));
  } else {
    appendFileSync(file, text);
  }
  live.push(...ids);
  appendFileSync(log, `W ${ids[0]} ${ids.at(-1)}\n`);
  if (Date.now() >= nextRetention) {
    retention();
    nextRetention = Date.now() + 300 + Math.random() * 900;
  }
  await sleep(20);
}
console.log(JSON.stringify({ written: next, ...ops }));
