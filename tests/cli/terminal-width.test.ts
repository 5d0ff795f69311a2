import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { displayWidth, truncateToWidth } from "../../src/text/display-width.ts";
import { cli, tempDir } from "../helpers.ts";
import { append } from "./databases.ts";

/** The demo session's log: 7 issues, PR URLs, critic verdicts, halts. */
async function demoDb(): Promise<string> {
  const dir = tempDir();
  const config = resolveConfig({ mirror: true, db: "events.db", jsonl: "events.jsonl" }, dir);
  const plugin = await EventLogPlugin.create({ config, now: demoClock() });
  await runDemoSession(plugin);
  plugin.close();
  return join(dir, "events.db");
}

describe("display width", () => {
  test("wide characters count two columns, combining marks none; the ellipsis never splits one", () => {
    expect(displayWidth("漢字")).toBe(4);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("\u001b[1mbold\u001b[22m")).toBe(4);
    expect(displayWidth("\u001b]8;;https://x/pull/1\u001b\\#1\u001b]8;;\u001b\\")).toBe(2);
    expect(truncateToWidth("漢字漢字", 5)).toBe("漢字…");
    expect(truncateToWidth("ae\u0301bcdef", 4)).toBe("ae\u0301b…");
  });
});

describe("tables fit the terminal", () => {
  for (const columns of [80, 120]) {
    test(`at ${columns} columns no line of timeline, replay, stats or tail is wider`, async () => {
      const db = await demoDb();
      await append(
        db,
        "task.heartbeat",
        { issue: 501, note: "漢字かな交じり文 e\u0301 ".repeat(12) },
        {
          taskId: "issue:501",
        },
      );
      const env = { COLUMNS: String(columns) };
      for (const args of [["timeline"], ["replay"], ["stats"], ["tail", "--count", "10"]]) {
        const r = await cli([...args, "--db", db], { env });
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split("\n");
        expect(lines.length).toBeGreaterThan(3);
        const widest = Math.max(...lines.map(displayWidth));
        expect({ args, widest: widest <= columns }).toEqual({ args, widest: true });
      }
      const replay = (await cli(["replay", "--db", db], { env })).stdout.trimEnd().split("\n");
      expect(replay.at(-1)!.endsWith("…")).toBe(true);
      const timeline = (await cli(["timeline", "--db", db], { env })).stdout;
      // A PR is #201, not its URL, on a terminal width.
      expect(timeline).toContain("#201 (merged)");
      expect(timeline).not.toContain("https://github.com");
    });
  }

  test("at 80 columns the least needed columns go first; at 120 they are all there", async () => {
    const db = await demoDb();
    const header = async (columns: number, args: string[]) =>
      (await cli([...args, "--db", db], { env: { COLUMNS: String(columns) } })).stdout
        .split("\n")[0]!
        .split(/\s{2,}/);
    expect(await header(120, ["timeline"])).toEqual(
      expect.arrayContaining(["TICKS", "STATUS", "CRITIC", "PR", "LAST SEQ"]),
    );
    const narrow = await header(80, ["timeline"]);
    expect(narrow).toEqual(expect.arrayContaining(["ISSUE", "STATUS", "PR"]));
    expect(narrow).not.toContain("REAPED");
    expect(narrow).not.toContain("PLANNED");
    expect(await header(120, ["replay"])).toEqual([
      "SEQ",
      "TIME (UTC)",
      "KIND",
      "TASK",
      "SAGA",
      "SUMMARY",
    ]);
  });

  test("piped without COLUMNS: every cell whole, the full PR URL", async () => {
    const db = await demoDb();
    const r = await cli(["timeline", "--db", db], { env: { COLUMNS: undefined } });
    expect(r.stdout).toContain("https://github.com/acme/forge-loop/pull/201 (merged)");
  });

  test("FORCE_HYPERLINK makes the short PR an OSC-8 link to its URL", async () => {
    const db = await demoDb();
    const r = await cli(["timeline", "--db", db], {
      env: { COLUMNS: "120", FORCE_HYPERLINK: "1" },
    });
    expect(r.stdout).toContain(
      "\u001b]8;;https://github.com/acme/forge-loop/pull/201\u001b\\#201 (merged)\u001b]8;;\u001b\\",
    );
  });
});

describe("replay's summary column", () => {
  test("status, verdict, severities, error and PR per kind instead of escaped JSON; --json unchanged", async () => {
    const db = await demoDb();
    const r = await cli(["replay", "--db", db, "--issue", "169"]);
    const rows = r.stdout.split("\n");
    const row = (kind: string, text: string) =>
      rows.find((l) => l.includes(kind) && l.includes(text));
    expect(row("pr.opened", "running → awaiting_critic  PR #202")).toBeDefined();
    expect(row("critique.issued", "verdict block  (sev1 1, sev2 1)  PR #202")).toBeDefined();
    expect(row("task.compensated", "status compensated  PR #202")).toBeDefined();
    expect(r.stdout).not.toContain('\\"');
    const json = await cli(["replay", "--db", db, "--issue", "169", "--json", "-n", "1"]);
    expect(JSON.parse(json.stdout).payload).toMatchObject({
      legacy_kind: "tick_done",
      status: "compensated",
    });
  });
});
