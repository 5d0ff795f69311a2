import { expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir, waitFor } from "../helpers.ts";
import {
  cleanKeys,
  committedLine,
  dbState,
  MIRROR_CLI,
  realisticLines,
  runMirror,
  writeLines,
} from "./legacy-lines.ts";

const LINES = 60_000;
const STOPS = 4;

test(`SIGTERM during the catch-up of a ${LINES}-line file, ${STOPS} times: exit 0, position saved, the restarts end with the clean run's events`, async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const all = realisticLines(LINES);
  writeLines(file, all);
  let before = 0;
  for (let i = 0; i < STOPS; i++) {
    const proc = Bun.spawn([process.execPath, MIRROR_CLI, file, "--db", db, "--follow", "--json"], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    // Stopped as a supervisor would, once this run has committed a batch of its own.
    await waitFor(
      "the condition",
      () => {
        if (proc.exitCode !== null) throw new Error(`the mirror exited (${proc.exitCode})`);
        return committedLine(db) > before;
      },
      60_000,
    );
    proc.kill("SIGTERM");
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ exitCode, stderr }).toEqual({
      exitCode: 0,
      stderr: "SIGTERM: finishing the current batch, then stopping\n",
    });
    const summary = JSON.parse(stdout.trim().split("\n").pop() as string);
    expect(summary.stopped_by).toBe("signal");
    const saved = committedLine(db);
    expect(summary.position.line_number).toBe(saved);
    expect(saved).toBeGreaterThan(before);
    before = saved;
  }
  expect(before).toBeLessThan(LINES);

  const last = await runMirror([file, "--db", db, "--json", "--quiet"]);
  expect(last.exitCode).toBe(0);
  expect(last.stderr).toBe("");
  expect(last.summary).toMatchObject({ duplicates: 0, position: { line_number: LINES } });
  const state = await dbState(db);
  expect(state.keys).toEqual(await cleanKeys(dir, "clean", all));
  expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
}, 180_000);

test("--strict at a malformed line: exit 1 with its one-line message and nothing else", async () => {
  const dir = tempDir("fel-follow-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  writeLines(file, [...realisticLines(3), "{oops", ...realisticLines(2, 3)]);
  const run = await runMirror([file, "--db", db, "--strict", "--quiet"]);
  expect(run.exitCode).toBe(1);
  expect(run.stderr.trim().split("\n")).toEqual([
    expect.stringContaining(`${file}:4 (byte `) as unknown as string,
  ]);
});
