import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { publish } from "../../src/fmail/publish.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { cli, jsonLines, tempDir, waitFor } from "../helpers.ts";
import { append } from "./databases.ts";

/** The demo session into `dir`: events.db, the JSONL, and the fmail topic. */
async function demo(dir: string): Promise<string> {
  const plugin = await EventLogPlugin.create({
    config: resolveConfig(
      { jsonl: "e.jsonl", db: "events.db", mirror: true, events: { enabled: true, root: "." } },
      dir,
    ),
    now: demoClock(),
  });
  await runDemoSession(plugin);
  plugin.close();
  return join(dir, "events.db");
}

describe("timeline", () => {
  test("--json prints one task per line, rebuilt from the log", async () => {
    const db = await demo(tempDir());
    const r = await cli(["timeline", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const tasks = lines.slice(0, -1);
    expect(tasks.map((t) => t.issue)).toEqual([167, 168, 169, 170, 171, 172, 173]);
    expect(tasks[0]).toMatchObject({ status: "merged", pr_merged: true, worktree_reaped: true });
    // Last, the loop: tick counts and the halts.
    expect(lines.at(-1)).toMatchObject({
      loop: {
        ticks_completed: 4,
        halts: expect.arrayContaining([expect.objectContaining({ reason: "loop_stop", tick: 3 })]),
      },
    });
  });

  test("--status keeps the tasks of those terminal states or statuses; --since/--until those active then", async () => {
    const db = await demo(tempDir());
    const issues = async (args: string[]) => {
      const r = await cli(["timeline", "--db", db, "--json", ...args]);
      expect(r.code).toBe(0);
      return jsonLines(r.stdout)
        .filter((t) => !("loop" in t))
        .map((t) => [t.issue, t.terminal, t.status]);
    };
    const all = await issues([]);
    const failed = await issues(["--status", "failed"]);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toEqual(
      all.filter(([, terminal, status]) => terminal === "failed" || status === "failed"),
    );
    expect(await issues(["--status", "merged,timeout"])).toEqual(
      all.filter(([, , status]) => status === "merged" || status === "timeout"),
    );
    expect(await issues(["--since", "1h"])).toEqual([]);
    expect(await issues(["--since", "2000-01-01"])).toEqual(all);
    const none = await cli(["timeline", "--db", db, "--status", "nothing-like-it"]);
    expect(none.stderr).toBe("no task matches\n");
  });

  test("the table, and --issue narrows it; an unknown issue exits 1", async () => {
    const db = await demo(tempDir());
    const r = await cli(["timeline", "--db", db, "--issue", "168"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("#168");
    expect(r.stdout).toContain("failed/timeout");
    expect(r.stdout).not.toContain("#167");
    expect(r.stdout).toContain("halt: loop_stop at tick 3");
    const missing = await cli(["timeline", "--db", db, "--issue", "999"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("issue 999 does not appear in");
    const bad = await cli(["timeline", "--db", db, "--issue", "x"]);
    expect(bad.code).toBe(2);
  });

  test("it keeps the stored projection: the cursor reaches the head, later runs read only what is new", async () => {
    const dir = tempDir();
    const db = await demo(dir);
    const first = await cli(["timeline", "--db", db, "--json"]);
    const cursors = async () =>
      jsonLines((await cli(["cursors", "--db", db, "--json"])).stdout).find(
        (c) => c.name === "timeline",
      );
    expect(await cursors()).toMatchObject({ lag: 0 });
    const head = (await cursors())?.sequence as number;
    for (const issue of [901, 902, 903]) {
      await append(db, "task.planned", { issue }, { taskId: `issue:${issue}` });
    }
    expect(await cursors()).toMatchObject({ sequence: head, lag: 3 });
    const second = await cli(["timeline", "--db", db, "--json"]);
    expect(second.code).toBe(0);
    expect(await cursors()).toMatchObject({ sequence: head + 3, lag: 0 });
    const issues = (out: string) =>
      jsonLines(out)
        .filter((t) => !("loop" in t))
        .map((t) => t.issue);
    expect(issues(second.stdout)).toEqual([...issues(first.stdout), 901, 902, 903]);
  });
});

describe("watch", () => {
  test("--count 1 receives an event published after it started, in fmail's line format", async () => {
    const root = tempDir();
    const proc = Bun.spawn(
      [
        process.execPath,
        join(import.meta.dir, "../../src/cli/main.ts"),
        "watch",
        "--count",
        "1",
        "--event",
        "loop_error",
      ],
      {
        cwd: root,
        env: { ...process.env, FMAIL_ROOT: root, NO_COLOR: "1" },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    // The topic folder does not exist yet: watch must wait for it. Nothing tells from outside
    // when watch has taken its first look, so events are published until it has seen one.
    const send = (event: string) =>
      publish(root, "forge-events", {
        from: "loop-coder-1",
        body: { event, loop: "coder-1" },
        tags: ["loop", "coder-1"],
      });
    const sent: string[] = [];
    let exited = false;
    const exit = proc.exited.then((code) => {
      exited = true;
      return code;
    });
    const stdoutText = new Response(proc.stdout).text();
    await waitFor("watch to receive a loop_error", async () => {
      if (exited) return true;
      send("iteration_complete");
      sent.push(send("loop_error").message.id);
      await new Promise((r) => setTimeout(r, 50));
      return exited;
    });
    const [stdout, code] = await Promise.all([stdoutText, exit]);
    expect(code).toBe(0);
    const [line, ...more] = stdout.trimEnd().split("\n");
    expect(more).toEqual([]);
    const id = line?.split(" ")[0] ?? "";
    expect(sent).toContain(id);
    expect(line).toBe(
      `${id} loop-coder-1 -> forge-events: {"event":"loop_error","loop":"coder-1"}`,
    );
  });

  test("-n and --since print messages already there first, so --count ends at once", async () => {
    const root = tempDir();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const time = new Date(Date.UTC(2026, 5, 2, 12, i));
      const sent = publish(root, "forge-events", {
        from: "loop-coder-1",
        body: { event: "iteration_complete", loop: "coder-1", i },
        time,
      });
      ids.push(sent.message.id);
    }
    const env = { FMAIL_ROOT: root };
    const lastThree = await cli(["watch", "-n", "3", "--count", "3", "--json"], { env });
    expect(lastThree.code).toBe(0);
    expect(jsonLines(lastThree.stdout).map((m) => m.id)).toEqual(ids.slice(2));
    const since = await cli(["watch", "--since", "2026-06-02T12:03:00Z", "--count", "2"], { env });
    expect(
      since.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(" ")[0]),
    ).toEqual(ids.slice(3));
    // Only the backlog, then --timeout: what was there is not printed twice.
    const both = await cli(["watch", "-n", "2", "--timeout", "200ms", "--json"], { env });
    expect(jsonLines(both.stdout).map((m) => m.id)).toEqual(ids.slice(3));
  });

  test("--timeout ends a watch that saw nothing; a bad topic is a usage error", async () => {
    const root = tempDir();
    const r = await cli(["watch", "--timeout", "200ms", "--json"], { env: { FMAIL_ROOT: root } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(existsSync(join(root, ".fmail"))).toBe(false);
    const bad = await cli(["watch", "Bad Topic!"], { env: { FMAIL_ROOT: root } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Bad Topic!");
  });
});

describe("gc", () => {
  test("--dry-run lists old messages and deletes nothing; without it they go", async () => {
    const dir = tempDir();
    await demo(dir);
    const topic = join(dir, ".fmail", "topics", "forge-events");
    const before = readdirSync(topic).length;
    const dry = await cli(["gc", "--days", "1", "--dry-run"], { env: { FMAIL_ROOT: dir } });
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim().split("\n")).toHaveLength(before);
    expect(readdirSync(topic)).toHaveLength(before);
    const keep = await cli(["gc", "--days", "100000", "--topic", "forge-events"], {
      env: { FMAIL_ROOT: dir },
    });
    expect(keep.stdout).toBe("");
    const real = await cli(["gc", "--days", "1", "--topic", "forge-events"], {
      env: { FMAIL_ROOT: dir },
    });
    expect(real.code).toBe(0);
    expect(readdirSync(topic)).toHaveLength(0);
    const missing = await cli(["gc"], { env: { FMAIL_ROOT: dir } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--days");
  });

  test("a symlinked topic folder is skipped with a one-line warning; outside files survive", async () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, "20200101-000000-0001.json"), "{}");
    mkdirSync(join(dir, ".fmail", "topics"), { recursive: true });
    symlinkSync(outside, join(dir, ".fmail", "topics", "forge-events"));
    const r = await cli(["gc", "--days", "1"], { env: { FMAIL_ROOT: dir } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^warning: skipped topics\/forge-events: it is a symlink \(to .+\); not followed; gc never leaves the fmail root$/,
      ),
    ]);
    expect(readdirSync(outside)).toEqual(["20200101-000000-0001.json"]);
  });
});
