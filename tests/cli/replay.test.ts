import { beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cli, jsonLines, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

let db: string;
const seqs = (stdout: string) => jsonLines(stdout).map((e) => e.sequence);

beforeEach(async () => {
  db = await makeDb(join(tempDir(), "events.db"));
});

describe("replay", () => {
  test("prints an aligned table of every event by default", async () => {
    const r = await cli(["replay", "--db", db]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(
      "SEQ  TIME (UTC)               KIND                  TASK        SAGA       SUMMARY",
    );
    expect(lines[2]).toBe(
      '  2  2026-06-02 12:00:02.123  task.planned          issue:41    tick:1     {"issue":41,"title":"Add tail"}',
    );
    expect(lines[1]).toContain("tick.started          -           tick:1");
    // Piped output keeps the payload whole.
    expect(lines[9]).toContain("x".repeat(200));
  });

  test("--json: one event per line, the contract's columns, the payload as stored", async () => {
    const r = await cli(["replay", "--json", "--db", db]);
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events).toHaveLength(10);
    expect(Object.keys(events[0]!)).toEqual([
      "sequence",
      "event_id",
      "kind",
      "payload",
      "schema_version",
      "occurred_at",
      "task_id",
      "saga_id",
      "causal_event_id",
      "causal_sequence",
      "idempotency_key",
      "prev_hash",
      "event_hash",
    ]);
    expect(events[3]).toMatchObject({
      sequence: 4,
      kind: "task.completed",
      payload: { issue: 41, pr: 7, note: "üñí" },
      occurred_at: "2026-06-02T12:00:04.123456+00:00",
      task_id: "issue:41",
      saga_id: "tick:1",
      idempotency_key: "done:41",
    });
    expect(events[7]).toMatchObject({ causal_event_id: events[6]!.event_id, causal_sequence: 7 });
    // The stored canonical text itself: keys sorted, non-ASCII escaped as the hash input has it.
    expect(r.stdout.split("\n")[3]).toContain(
      ',"payload":{"issue":41,"note":"\\u00fc\\u00f1\\u00ed","pr":7},"schema_version":1,',
    );
    // export writes the same lines.
    const exported = await cli(["export", "--db", db]);
    expect(exported.stdout).toBe(r.stdout);
  });

  test("--from/--to bound the sequence range; --limit caps the count", async () => {
    expect(seqs((await cli(["replay", "--json", "--from", "8", "--db", db])).stdout)).toEqual([
      8, 9, 10,
    ]);
    expect(
      seqs((await cli(["replay", "--json", "--from", "3", "--to", "5", "--db", db])).stdout),
    ).toEqual([3, 4, 5]);
    expect(seqs((await cli(["replay", "--json", "--limit", "2", "--db", db])).stdout)).toEqual([
      1, 2,
    ]);
  });

  test("--issue and --tick map to issue:<n> and tick:<n>; --task/--saga take raw ids", async () => {
    expect(seqs((await cli(["replay", "--json", "--issue", "41", "--db", db])).stdout)).toEqual([
      2, 3, 4,
    ]);
    expect(
      seqs((await cli(["replay", "--json", "--task", "issue:42", "--db", db])).stdout),
    ).toEqual([7, 8, 9]);
    expect(seqs((await cli(["replay", "--json", "--tick", "1", "--db", db])).stdout)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect(
      seqs(
        (await cli(["replay", "--json", "--saga", "tick:2", "--issue", "42", "--db", db])).stdout,
      ),
    ).toEqual([7, 8, 9]);
  });

  test("--kind takes a list and prefix patterns", async () => {
    const kinds = (await cli(["replay", "--json", "--kind", "tick.*,critique.issued", "--db", db]))
      .stdout;
    expect(seqs(kinds)).toEqual([1, 5, 6, 9, 10]);
  });

  test("nothing matching is not an error: empty stdout, a note on stderr, exit 0", async () => {
    const r = await cli(["replay", "--issue", "999", "--db", db]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "no events match\n" });
    const quiet = await cli(["replay", "--issue", "999", "--db", db, "--quiet"]);
    expect(quiet).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("global options may come before the command", async () => {
    const r = await cli(["--db", db, "--json", "replay", "--from", "10"]);
    expect(r.code).toBe(0);
    expect(seqs(r.stdout)).toEqual([10]);
  });

  test("bad values are usage errors (exit 2) naming the fix", async () => {
    const cases: [string[], string][] = [
      [["--from", "abc"], 'error: --from must be a whole number >= 0 (got "abc")\n'],
      [["--from", "1.5"], 'error: --from must be a whole number >= 0 (got "1.5")\n'],
      [["--to", "-3"], 'error: --to must be a whole number >= 0 (got "-3")\n'],
      [["--from", "9", "--to", "3"], "error: --to 3 is before --from 9\n"],
      [["--limit", "0"], 'error: --limit must be a whole number >= 1 (got "0")\n'],
      [
        ["--issue", "issue:4"],
        'error: --issue takes a number, e.g. --issue 42 (got "issue:4"); use --task for a raw id\n',
      ],
      [["--issue", "4", "--task", "issue:4"], "error: use --issue or --task, not both\n"],
      [
        ["--kind", "task.complete"],
        'error: unknown event kind "task.complete" (did you mean "task.completed"?); the kinds are',
      ],
      [["--kind", "nope.*"], "error: --kind nope.* matches no event kind\n"],
      [
        ["--isue", "4"],
        "error: unknown option --isue (did you mean \"--issue\"?) for 'forge-eventlog replay'; run 'forge-eventlog replay --help' for its options\n",
      ],
      [
        ["extra"],
        "error: unexpected argument \"extra\" for 'forge-eventlog replay'; run 'forge-eventlog replay --help' for usage\n",
      ],
      [["--from"], "error: --from needs a value; see 'forge-eventlog replay --help'\n"],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["replay", "--db", db, ...args]);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: "" });
      expect(r.stderr.startsWith(message)).toBe(true);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });
});
