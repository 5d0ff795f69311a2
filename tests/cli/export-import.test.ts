import { beforeEach, describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { cli, jsonLines, REPO, tempDir } from "../helpers.ts";
import { append, makeDb } from "./databases.ts";

let dir: string;
let source: string;
beforeEach(async () => {
  dir = tempDir();
  source = await makeDb(join(dir, "source.db"));
  // The whole export most tests load; each test has its own source and export.
  await cli(["export", "--db", source, "-o", join(dir, "all.jsonl"), "--quiet"]);
});

const replayJson = async (db: string, ...args: string[]) =>
  (await cli(["replay", "--json", "--db", db, ...args])).stdout;

/** An event without what the target database assigns: its position and chain. */
const content = ({ sequence, prev_hash, event_hash, ...rest }: Record<string, unknown>) => rest;

describe("export and import", () => {
  test("export writes the replay --json lines, to stdout or atomically to -o", async () => {
    const stdout = await cli(["export", "--db", source]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(await replayJson(source));
    expect(stdout.stderr).toBe("exported 10 events\n");
    const file = join(dir, "all.jsonl");
    const r = await cli(["export", "--db", source, "-o", file]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: `exported 10 events to ${file}\n` });
    expect(readFileSync(file, "utf8")).toBe(stdout.stdout);
  });

  test("a whole export imported into a fresh database reproduces it exactly", async () => {
    const file = join(dir, "all.jsonl");
    const target = join(tempDir(), "copy.db");
    const r = await cli(["import", file, "--db", target]);
    expect(r).toEqual({
      code: 0,
      stdout: "",
      stderr: `imported 10 events into ${target} (0 already present)\n`,
    });
    // Same ids, payloads, times, keys, and (same order from genesis) the same hash chain.
    expect(await replayJson(target)).toBe(await replayJson(source));
    expect((await cli(["verify", "--db", target])).code).toBe(0);
  });

  test("re-importing adds nothing", async () => {
    const file = join(dir, "all.jsonl");
    const target = join(tempDir(), "again.db");
    await cli(["import", file, "--db", target]);
    const again = await cli(["import", file, "--db", target, "--json"]);
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout)).toEqual([
      { path: target, lines: 10, imported: 0, already_present: 10 },
    ]);
    expect(jsonLines(await replayJson(target))).toHaveLength(10);
  });

  test("a filtered export loads into a log that already has events (same content, new chain)", async () => {
    const target = join(tempDir(), "busy.db");
    await append(target, "loop.halted", { reason: "maintenance" });
    const exported = await cli(["export", "--db", source, "--issue", "42"]);
    const r = await cli(["import", "-", "--db", target], { stdin: exported.stdout });
    expect(r.code).toBe(0);
    const imported = jsonLines(await replayJson(target, "--from", "2"));
    const withoutCause = ({ causal_sequence, ...rest }: Record<string, unknown>) => content(rest);
    expect(imported.map(withoutCause)).toEqual(jsonLines(exported.stdout).map(withoutCause));
    // The causal link follows its event to its new sequence in this database.
    expect(imported.map((e) => e.sequence)).toEqual([2, 3, 4]);
    expect(imported[1]).toMatchObject({
      causal_event_id: imported[0]!.event_id,
      causal_sequence: 2,
    });
  });

  test("an event already recorded under its idempotency key counts as present", async () => {
    const target = join(tempDir(), "keyed.db");
    await append(
      target,
      "task.completed",
      { issue: 41, pr: 7, note: "üñí" },
      { taskId: "issue:41", sagaId: "tick:1", idempotencyKey: "done:41" },
    );
    const r = await cli(["import", join(dir, "all.jsonl"), "--db", target, "--json"]);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ imported: 9, already_present: 1 });
  });

  test("a conflicting event: exit 1, nothing imported", async () => {
    const target = join(tempDir(), "conflict.db");
    const lines = readFileSync(join(dir, "all.jsonl"), "utf8").trimEnd().split("\n");
    await cli(["import", "-", "--db", target], { stdin: `${lines[0]}\n` });
    const changed = lines[1]!.replace('"Add tail"', '"Something else"');
    const file = join(dir, "conflict.jsonl");
    writeFileSync(file, [changed, ...lines.slice(2)].join("\n"));
    await cli(["import", "-", "--db", target], { stdin: `${lines[1]}\n` });
    const r = await cli(["import", file, "--db", target]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: line 1 of ${file}: event [0-9a-f]{32} already exists in ${target} as sequence 2 with different content; nothing was imported`,
      ),
    );
    expect(jsonLines(await replayJson(target))).toHaveLength(2);
  });

  test("bad input: malformed lines exit 2 before any database is created", async () => {
    const target = join(tempDir(), "never.db");
    const cases: [string, string][] = [
      ["{not json\n", "is not JSON"],
      ['{"kind":"task.done"}\n', 'field "event_id"'],
      [
        `${JSON.stringify({ event_id: "a".repeat(32), kind: "task.done", payload: {}, occurred_at: "2026-01-01T00:00:00Z" })}\n`,
        'field "kind"',
      ],
      [
        `${JSON.stringify({ event_id: "a".repeat(32), kind: "tick.started", payload: {}, occurred_at: "yesterday" })}\n`,
        "is not ISO-8601",
      ],
    ];
    for (const [text, message] of cases) {
      const r = await cli(["import", "-", "--db", target], { stdin: `\n${text}` });
      expect({ code: r.code, message: r.stderr.includes(message) }).toEqual({
        code: 2,
        message: true,
      });
      expect(r.stderr).toStartWith("error: line 2 of stdin");
    }
    expect(existsSync(target)).toBe(false);
  });

  test("a payload number with no JSON form (1e400 is Infinity, NaN) names the line, exit 2, nothing created", async () => {
    const target = join(tempDir(), "never.db");
    const good = JSON.stringify({
      event_id: "b".repeat(32),
      kind: "tick.started",
      payload: { tick: 1 },
      occurred_at: "2026-01-01T00:00:00Z",
    });
    const line = (payload: string) =>
      `{"event_id":"${"a".repeat(32)}","kind":"tick.started","payload":${payload},"occurred_at":"2026-01-01T00:00:00Z"}`;
    const file = join(tempDir(), "inf.jsonl");
    writeFileSync(file, `${good}\n${line('{"tick":1,"x":1e400}')}\n`);
    const inf = await cli(["import", file, "--db", target]);
    expect(inf.code).toBe(2);
    expect(inf.stderr.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^error: line 2 of ${file}: field "payload": .*x.*$`)),
    ]);
    expect(inf.stderr).toMatch(/Infinity|finite/);
    const nan = await cli(["import", "-", "--db", target], {
      stdin: `${good}\n\n${line('{"tick":NaN}')}\n`,
    });
    expect(nan.code).toBe(2);
    expect(nan.stderr.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(
        /^error: line 3 of stdin is not JSON \(.*\) \(NaN and Infinity have no JSON form\); an export holds one event object per line$/,
      ),
    ]);
    expect(existsSync(target)).toBe(false);
  });

  test("a large export streams: peak memory stays far below the file's size", async () => {
    const file = join(tempDir(), "big.jsonl");
    const fd = openSync(file, "w");
    const pad = "p".repeat(300);
    let bytes = 0;
    for (let i = 0; bytes < 60 * 1024 * 1024; ) {
      const chunk: string[] = [];
      for (let j = 0; j < 5000; j++, i++) {
        chunk.push(
          JSON.stringify({
            event_id: (i + 1).toString(16).padStart(32, "0"),
            kind: "task.heartbeat",
            payload: { i, note: pad },
            occurred_at: "2026-06-02T12:34:56.789000+00:00",
            task_id: `issue:${i % 500}`,
          }),
        );
      }
      const text = `${chunk.join("\n")}\n`;
      writeSync(fd, text);
      bytes += text.length;
    }
    closeSync(fd);
    const target = join(tempDir(), "big.db");
    const r = await cli(["import", file, "--db", target], {
      command: [process.execPath, join(REPO, "tests/fixtures/cli-max-rss.ts")],
    });
    expect(r.code).toBe(0);
    const rssKb = Number(/max_rss_kb (\d+)/.exec(r.stderr)?.[1]);
    // Reading the whole file took ~8x its size (528 MB here, 766 MB for 100 MB); streaming
    // stays flat (~130 MB whatever the size).
    expect(rssKb * 1024).toBeLessThan(100 * 1024 * 1024 + 2 * bytes);
    expect(r.stderr).toContain("imported");
  }, 120_000);

  test("a missing export file exits 1; no argument exits 2", async () => {
    const missing = join(dir, "nope.jsonl");
    const r = await cli(["import", missing, "--db", join(dir, "x.db")]);
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: no file at ${missing}; check the path to the export\n`,
    });
    expect(existsSync(join(dir, "x.db"))).toBe(false);
    const none = await cli(["import", "--db", join(dir, "x.db")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      "error: 'forge-eventlog import' needs <file>; run 'forge-eventlog import --help' for usage\n",
    );
  });

  test("export to an unwritable place is an input error and leaves no partial file", async () => {
    const r = await cli(["export", "--db", source, "-o", join(dir, "no/such/dir/out.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith(`error: cannot write ${join(dir, "no/such/dir/out.jsonl")}.tmp-`);
  });
});
