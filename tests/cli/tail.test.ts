import { beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cli, jsonLines, MAIN, tempDir, waitFor } from "../helpers.ts";
import { append, makeDb } from "./databases.ts";

let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

/** Starts `tail` in the background; resolves once it printed its "following" line. */
async function startTail(args: string[]) {
  const proc = Bun.spawn(
    [process.execPath, MAIN, "tail", "--db", db, "--interval", "20", "-n", "0", ...args],
    {
      env: { ...process.env, NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  // stdout is read as it comes, so a test can wait for a line to be printed.
  let printed = "";
  const outDecoder = new TextDecoder();
  const stdout = (async () => {
    for await (const chunk of proc.stdout) printed += outDecoder.decode(chunk);
    return printed;
  })();
  const reader = proc.stderr.getReader();
  let stderr = "";
  const decoder = new TextDecoder();
  while (!stderr.includes("Ctrl-C to stop\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += decoder.decode(value);
  }
  /** The rest of stderr, once the process ends. */
  const moreStderr = async () => {
    let more = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return more;
      more += decoder.decode(value);
    }
  };
  return { proc, stdout, printedSoFar: () => printed, stderr, moreStderr };
}

describe("tail", () => {
  test("--from 1 --count n prints the backlog and stops with exit 0", async () => {
    const r = await cli(["tail", "--db", db, "--from", "1", "--count", "3", "--json"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(r.stderr).toBe("");
  });

  test("prints events appended while it runs, with the same filters", async () => {
    const t = await startTail(["--issue", "42", "--json", "--count", "2"]);
    await append(db, "task.heartbeat", { issue: 41 }, { taskId: "issue:41" });
    await append(db, "task.heartbeat", { issue: 42, n: 1 }, { taskId: "issue:42" });
    // The second matching event lands after tail printed the first: two separate wake-ups.
    await waitFor("tail to print the first matching event", () =>
      t.printedSoFar().includes('"kind":"task.heartbeat"'),
    );
    await append(db, "task.completed", { issue: 42 }, { taskId: "issue:42" });
    expect(await t.proc.exited).toBe(0);
    const events = jsonLines(await t.stdout);
    expect(events.map((e) => [e.sequence, e.kind, e.task_id])).toEqual([
      [12, "task.heartbeat", "issue:42"],
      [13, "task.completed", "issue:42"],
    ]);
  });

  test("human output is the replay table, header once", async () => {
    const t = await startTail(["--count", "2"]);
    await append(db, "tick.started", { tick: 3 }, { sagaId: "tick:3" });
    await append(db, "task.planned", { issue: 43 }, { taskId: "issue:43", sagaId: "tick:3" });
    expect(await t.proc.exited).toBe(0);
    const lines = (await t.stdout).trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toStartWith("SEQ  TIME (UTC)");
    expect(lines[1]).toContain(" 11  ");
    expect(lines[2]).toContain("task.planned          issue:43    tick:3");
  });

  test("--timeout ends it with exit 0", async () => {
    const started = Date.now();
    const r = await cli(["tail", "--db", db, "-n", "0", "--timeout", "300ms"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} stops it cleanly with exit 0, output flushed`, async () => {
      const t = await startTail(["--json"]);
      await append(db, "tick.started", { tick: 3 }, { sagaId: "tick:3" });
      await waitFor("tail to print the event", () => t.printedSoFar().includes("\n"));
      t.proc.kill(signal);
      const code = await t.proc.exited;
      const rest = await t.moreStderr();
      expect({ code, rest }).toEqual({ code: 0, rest: "" });
      expect(jsonLines(await t.stdout).map((e) => e.sequence)).toEqual([11]);
    });
  }

  test("bad --count, --timeout and --interval are usage errors", async () => {
    for (const [flag, value, message] of [
      ["--count", "0", 'error: --count must be a whole number >= 1 (got "0")'],
      ["--timeout", "soon", "error: --timeout must be a duration such as 5, 500ms, 2s or 1m"],
      ["--interval", "5", 'error: --interval must be a whole number >= 10 (got "5")'],
    ] as const) {
      const r = await cli(["tail", "--db", db, flag, value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(message);
    }
  });
});
