import { expect, test } from "bun:test";
import { appendFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { tempDir, waitFor } from "../helpers.ts";
import {
  cleanKeys,
  committedLine,
  dbState,
  eventCount,
  joinLines,
  MIRROR_CLI,
  realisticLines,
  writeLines,
} from "./legacy-lines.ts";

const T = 60_000;

/** A `mirror --follow --json` process, and its stderr (notices) as far as it has come. */
interface Following {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stderr: () => string;
  stderrClosed: Promise<void>;
}

function follow(file: string, db: string): Following {
  const proc = Bun.spawn([process.execPath, MIRROR_CLI, file, "--db", db, "--follow", "--json"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  let text = "";
  const decoder = new TextDecoder();
  const stderrClosed = (async () => {
    for await (const chunk of proc.stderr) text += decoder.decode(chunk, { stream: true });
  })();
  return { proc, stderr: () => text, stderrClosed };
}

/** Sends SIGTERM and returns the exit code and the --json summary. */
async function stop({ proc, stderr, stderrClosed }: Following) {
  proc.kill("SIGTERM");
  const [stdout, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    proc.exited,
    stderrClosed,
  ]);
  return {
    exitCode,
    stderr: stderr(),
    summary: JSON.parse(stdout.trim()) as Record<string, unknown>,
  };
}

/** Waits until the database holds exactly the events of `lines` (compared by key). */
async function holdsExactly(dir: string, db: string, lines: readonly string[], name: string) {
  const expected = await cleanKeys(dir, name, lines);
  await waitFor("the condition", () => eventCount(db) >= expected.length);
  const state = await dbState(db);
  expect(state.keys).toEqual(expected);
  expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
}

test(
  "--follow tails new lines (a torn one waits for its newline) and SIGTERM exits 0 with a summary",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(120);
    writeLines(file, all.slice(0, 50));
    const following = follow(file, db);
    await holdsExactly(dir, db, all.slice(0, 50), "a");

    // Lines 51-80 and the first bytes of line 81 land in one write: once line 80 is committed,
    // the follower has read the torn bytes too, and left them alone.
    const torn = all[80] as string;
    appendFileSync(file, joinLines(all.slice(50, 80)) + torn.slice(0, 30));
    await holdsExactly(dir, db, all.slice(0, 80), "b");
    expect(committedLine(db)).toBe(80);
    appendFileSync(file, `${torn.slice(30)}\n${joinLines(all.slice(81))}`);
    await holdsExactly(dir, db, all, "c");

    const { exitCode, summary } = await stop(following);
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ stopped_by: "signal", lines_read: 120, quarantined: 0 });
  },
  T,
);

test(
  "--follow through a rotation: the old file is finished, the new one read from its start",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(200);
    writeLines(file, all.slice(0, 60));
    const following = follow(file, db);
    await holdsExactly(dir, db, all.slice(0, 60), "a");

    // The last lines reach the old file just before it is renamed away.
    appendFileSync(file, joinLines(all.slice(60, 90)));
    renameSync(file, `${file}.1`);
    // No file at the path, as during a real rotation, until the follower has noticed the
    // rename and finished the old file.
    await waitFor("the condition", () => following.stderr().includes("was rotated"));
    await holdsExactly(dir, db, all.slice(0, 90), "a2");
    writeLines(file, all.slice(90, 150));
    await holdsExactly(dir, db, all.slice(0, 150), "b");
    appendFileSync(file, joinLines(all.slice(150)));
    await holdsExactly(dir, db, all, "c");

    const { exitCode, summary } = await stop(following);
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ rotations: 1, lines_read: 200, duplicates: 0 });
  },
  T,
);

test(
  "--follow through truncation to the last 50 lines: nothing lost, the kept lines are duplicates",
  async () => {
    const dir = tempDir("fel-follow-");
    const file = join(dir, "events.jsonl");
    const db = join(dir, "events.db");
    const all = realisticLines(300);
    writeLines(file, all.slice(0, 120));
    const following = follow(file, db);
    await holdsExactly(dir, db, all.slice(0, 120), "a");

    writeLines(file, all.slice(70, 120)); // in place: same inode, last 50 lines
    // The follower noticed, and read the 50 kept lines again (as duplicates) before more come.
    await waitFor(
      "the condition",
      () => following.stderr().includes("was truncated") && committedLine(db) === 50,
    );
    appendFileSync(file, joinLines(all.slice(120, 300)));
    await holdsExactly(dir, db, all, "b");

    const { exitCode, summary } = await stop(following);
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ truncations: 1, quarantined: 0 });
    expect((summary.duplicates as number) > 0).toBe(true);
  },
  T,
);
