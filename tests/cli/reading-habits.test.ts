import { beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cli, jsonLines, MAIN, tempDir, waitFor } from "../helpers.ts";
import { append, makeDb } from "./databases.ts";

/** The small log of databases.ts: events 1..10 at 2026-06-02T12:00:01..10 UTC. */
let db: string;
beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

const seqs = (stdout: string) => jsonLines(stdout).map((e) => e.sequence);

describe("--since / --until / -n", () => {
  test("replay and export take an ISO time window; -n keeps the last n", async () => {
    const window = ["--since", "2026-06-02T12:00:03Z", "--until", "2026-06-02T12:00:07Z"];
    expect(seqs((await cli(["replay", "--db", db, "--json", ...window])).stdout)).toEqual([
      3, 4, 5, 6,
    ]);
    expect(seqs((await cli(["export", "--db", db, ...window])).stdout)).toEqual([3, 4, 5, 6]);
    expect(seqs((await cli(["replay", "--db", db, "--json", "-n", "3"])).stdout)).toEqual([
      8, 9, 10,
    ]);
    expect(
      seqs((await cli(["replay", "--db", db, "--json", "--issue", "41", "-n", "2"])).stdout),
    ).toEqual([3, 4]);
    expect(seqs((await cli(["export", "--db", db, "--last", "1"])).stdout)).toEqual([10]);
    // A local time (no zone) is read in the local zone: 17:30 in Kolkata is 12:00 UTC.
    const local = await cli(["replay", "--db", db, "--json", "--since", "2026-06-02T17:30:09"], {
      env: { TZ: "Asia/Kolkata" },
    });
    expect(seqs(local.stdout)).toEqual([9, 10]);
  });

  test("a duration counts back from now: events of 2026-06-02 are in --since 3650d, not in --since 1h", async () => {
    expect(
      seqs((await cli(["replay", "--db", db, "--json", "--since", "3650d"])).stdout),
    ).toHaveLength(10);
    const recent = await cli(["replay", "--db", db, "--json", "--since", "1h"]);
    expect(recent).toMatchObject({ code: 0, stdout: "", stderr: "no events match\n" });
  });

  test("bad values are usage errors naming the forms", async () => {
    const bad = await cli(["replay", "--db", db, "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since takes a duration back from now (30m, 2h, 1d) or a time");
    const both = await cli(["replay", "--db", db, "--limit", "2", "-n", "2"]);
    expect(both).toMatchObject({
      code: 2,
      stderr: "error: use --limit (the first n) or -n (the last n), not both\n",
    });
    const empty = await cli([
      "replay",
      "--db",
      db,
      "--since",
      "2026-06-02T12:00:05Z",
      "--until",
      "2026-06-02T12:00:05Z",
    ]);
    expect(empty.code).toBe(2);
  });

  test("tail starts with the last 10 (or -n N, or --since), then follows", async () => {
    for (let i = 0; i < 5; i++)
      await append(db, "task.heartbeat", { issue: 50, i }, { taskId: "issue:50" });
    const ten = await cli(["tail", "--db", db, "--json", "--count", "10"]);
    expect(seqs(ten.stdout)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const two = await cli(["tail", "--db", db, "--json", "-n", "2", "--count", "2"]);
    expect(seqs(two.stdout)).toEqual([14, 15]);
    const since = await cli([
      "tail",
      "--db",
      db,
      "--json",
      "--since",
      "2026-06-02T12:00:09Z",
      "--until",
      "2026-06-02T12:00:11Z",
      "--timeout",
      "200ms",
    ]);
    expect(seqs(since.stdout)).toEqual([9, 10]);
  });
});

describe("replay -f", () => {
  test("prints the matching events, then new ones as they are appended; SIGTERM exits 0", async () => {
    const proc = Bun.spawn(
      [process.execPath, MAIN, "replay", "--db", db, "--issue", "42", "-f", "--json"],
      {
        env: { ...process.env, NO_COLOR: "1" },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    let printed = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout) printed += decoder.decode(chunk);
    })();
    await waitFor("the backlog", () => seqs(printed).length === 3);
    await append(db, "task.heartbeat", { issue: 41 }, { taskId: "issue:41" });
    await append(db, "task.heartbeat", { issue: 42 }, { taskId: "issue:42" });
    await waitFor("the new event", () => seqs(printed).length === 4);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    await reading;
    expect(seqs(printed)).toEqual([7, 8, 9, 12]);
  });
});

describe("--format and --utc", () => {
  test("csv and tsv: a header row, the contract's columns, payload as JSON text", async () => {
    const csv = await cli(["replay", "--db", db, "--format", "csv", "--issue", "41", "-n", "1"]);
    const [header, row] = csv.stdout.trimEnd().split("\n");
    expect(header).toBe(
      "sequence,occurred_at,kind,task_id,saga_id,event_id,idempotency_key,payload",
    );
    expect(row).toStartWith("4,2026-06-02T12:00:04.123456");
    expect(row).toEndWith(',done:41,"{""issue"":41,""note"":""üñí"",""pr"":7}"');
    const tsv = await cli(["replay", "--db", db, "--format", "tsv", "--kind", "tick.started"]);
    const lines = tsv.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]!.split("\t")).toHaveLength(8);
    expect((await cli(["replay", "--db", db, "--format", "json"])).stdout).toBe(
      (await cli(["replay", "--db", db, "--json"])).stdout,
    );
    const bad = await cli(["replay", "--db", db, "--format", "xml"]);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'error: --format takes table, json, csv, tsv (got "xml")\n',
    });
  });

  test("the table shows local time with its offset, --utc shows UTC", async () => {
    const env = { TZ: "Asia/Kolkata" };
    const local = (await cli(["replay", "--db", db, "-n", "1"], { env })).stdout.split("\n");
    expect(local[0]).toStartWith("SEQ  TIME (+05:30)");
    expect(local[1]).toContain(" 2026-06-02 17:30:10.123 ");
    const utc = (await cli(["replay", "--db", db, "-n", "1", "--utc"], { env })).stdout.split("\n");
    expect(utc[0]).toStartWith("SEQ  TIME (UTC)");
    expect(utc[1]).toContain(" 2026-06-02 12:00:10.123 ");
  });
});
