/**
 * Report: a 1,000,000-event log (the demo session's 75 events over and over, each round with
 * its own issues, ticks and times: about 93,000 issues) written by the real `report` command
 * in its own process, its peak RSS (VmHWM) and time beside `timeline --verify --json`, the
 * same one-pass fold over the same log, as the peer; then the page's render time in Debian's
 * Chromium (navigation to load plus a frame) beside the 7-issue demo report's; and the file
 * size of a 10,000-issue report. Alternated A B A B over --rounds rounds (at least 3), printed
 * as median [min..max]. Aims: peak RSS under 200 MB, render under 3 s, 10,000 issues under
 * 2 MB. Options: --events N, --rounds N, --json.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { resolveConfig } from "../src/config.ts";
import { demoClock, runDemoSession } from "../src/demo/session.ts";
import { EventLogPlugin } from "../src/plugin.ts";
import { EventStore } from "../src/store/event-store.ts";
import type { AppendInput, StoredEvent } from "../src/store/record.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "../tests/browser/chromium.ts";
import { tempDir } from "./lib/temp-db.ts";

const AIM_RSS_MB = 200;
const AIM_RENDER_S = 3;
const AIM_10K_BYTES = 2 * 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const totalEvents = Number(args.events);
const rounds = Math.max(3, Number(args.rounds));
const ROOT = join(import.meta.dir, "..");
const RSS = join(ROOT, "tests/fixtures/cli-max-rss.ts");
const CACHE = join(ROOT, ".bench");

/** The demo session's events, once, from a fresh database. */
async function demoEvents(dir: string): Promise<{ db: string; events: StoredEvent[] }> {
  const plugin = await EventLogPlugin.create({
    config: resolveConfig({ jsonl: "e.jsonl", db: "demo.db", mirror: true }, dir),
    now: demoClock(),
  });
  await runDemoSession(plugin);
  plugin.close();
  const db = join(dir, "demo.db");
  const store = await EventStore.open(db, { readonly: true });
  const events = [...store.since(0)];
  store.close();
  return { db, events };
}

/** Round r of the demo: issues +10r, ticks +4r, times +400r seconds. */
function shifted(events: StoredEvent[], r: number): AppendInput[] {
  const issue = (n: unknown) => (typeof n === "number" ? n + r * 10 : n);
  return events.map((e) => {
    const payload: Record<string, unknown> = { ...e.payload };
    if ("issue" in payload) payload.issue = issue(payload.issue);
    if (typeof payload.tick === "number") payload.tick += r * 4;
    const m = /^issue:(\d+)$/.exec(e.task_id ?? "");
    const t = /^tick:(\d+)$/.exec(e.saga_id ?? "");
    return {
      kind: e.kind,
      payload,
      taskId: m ? `issue:${Number(m[1]) + r * 10}` : e.task_id,
      sagaId: t ? `tick:${Number(t[1]) + r * 4}` : e.saga_id,
      occurredAt: new Date(Date.parse(e.occurred_at) + r * 400_000),
    };
  });
}

/** A log of about `count` events, built once and kept under .bench/. */
async function bigLog(events: StoredEvent[], count: number): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const db = join(CACHE, `report-${count}.db`);
  if (existsSync(db)) return db;
  const building = `${db}.building`;
  const store = await EventStore.open(building, { create: true });
  const roundsNeeded = Math.ceil(count / events.length);
  for (let r = 0; r < roundsNeeded; r += 100) {
    const batch: AppendInput[] = [];
    for (let k = r; k < Math.min(roundsNeeded, r + 100); k++) batch.push(...shifted(events, k));
    store.appendBatch(batch);
    if (!args.json && r % 2000 === 0)
      process.stderr.write(`\rbuilding ${db}: ${r * events.length} events`);
  }
  store.close();
  const { renameSync } = await import("node:fs");
  renameSync(building, db);
  process.stderr.write("\n");
  return db;
}

interface Run {
  seconds: number;
  rssMb: number;
}

async function cliRun(argv: string[]): Promise<Run> {
  const start = performance.now();
  const proc = Bun.spawn([process.execPath, RSS, ...argv], { stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(proc.stderr).text();
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${stderr}`);
  const kb = Number(/max_rss_kb (\d+)/.exec(stderr)?.[1] ?? 0);
  return { seconds: (performance.now() - start) / 1000, rssMb: kb / 1024 };
}

function spread(values: number[]): { median: number; min: number; max: number } {
  const v = [...values].sort((a, b) => a - b);
  return { median: v[Math.floor(v.length / 2)]!, min: v[0]!, max: v[v.length - 1]! };
}
const f = (n: number, digits = 2) => n.toFixed(digits);
const show = (s: ReturnType<typeof spread>, digits = 2) =>
  `${f(s.median, digits)} [${f(s.min, digits)}..${f(s.max, digits)}]`;

const dir = tempDir("report");
try {
  const demo = await demoEvents(dir.file(""));
  const big = await bigLog(demo.events, totalEvents);
  const bigHtml = dir.file("big.html");
  const demoHtml = dir.file("demo.html");

  // A: report of the big log; B: the timeline fold of the same log. Alternated.
  const reportRuns: Run[] = [];
  const peerRuns: Run[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = () => cliRun(["report", "--db", big, "-o", bigHtml, "--quiet"]);
    const b = () => cliRun(["timeline", "--db", big, "--verify", "--json", "--quiet"]);
    if (i % 2 === 0) {
      reportRuns.push(await a());
      peerRuns.push(await b());
    } else {
      peerRuns.push(await b());
      reportRuns.push(await a());
    }
  }
  await cliRun(["report", "--db", demo.db, "-o", demoHtml, "--quiet"]);

  // Render in Chromium: the big report beside the demo's, alternated.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const render = async (file: string): Promise<number> => {
    const page = await browser.newPage();
    const start = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => r(0)))");
    const s = (performance.now() - start) / 1000;
    await page.close();
    return s;
  };
  const bigRender: number[] = [];
  const demoRender: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      bigRender.push(await render(bigHtml));
      demoRender.push(await render(demoHtml));
    } else {
      demoRender.push(await render(demoHtml));
      bigRender.push(await render(bigHtml));
    }
  }
  await browser.close();

  // 10,000 issues: about 10,000 / 7 demo rounds.
  const tenK = await bigLog(demo.events, Math.ceil(10_000 / 7) * demo.events.length);
  const tenKHtml = dir.file("10k.html");
  await cliRun(["report", "--db", tenK, "-o", tenKHtml, "--quiet"]);
  const tenKStore = await EventStore.open(tenK, { readonly: true });
  const tenKEvents = tenKStore.latestSequence();
  tenKStore.close();
  const tenKBytes = statSync(tenKHtml).size;
  const bigBytes = statSync(bigHtml).size;
  const bigIssues = (readFileSync(bigHtml, "utf8").match(/<tr id="issue-/g) ?? []).length;

  const rss = spread(reportRuns.map((r) => r.rssMb));
  const peerRss = spread(peerRuns.map((r) => r.rssMb));
  const secs = spread(reportRuns.map((r) => r.seconds));
  const peerSecs = spread(peerRuns.map((r) => r.seconds));
  const br = spread(bigRender);
  const dr = spread(demoRender);
  const result = {
    events: totalEvents,
    rounds,
    report_peak_rss_mb: rss,
    timeline_peak_rss_mb: peerRss,
    report_seconds: secs,
    timeline_seconds: peerSecs,
    render_seconds: br,
    demo_render_seconds: dr,
    big_report_bytes: bigBytes,
    big_report_rows: bigIssues,
    ten_k_issues_events: tenKEvents,
    ten_k_report_bytes: tenKBytes,
    met: {
      rss: rss.median < AIM_RSS_MB,
      render: br.median < AIM_RENDER_S,
      size: tenKBytes < AIM_10K_BYTES,
    },
  };
  if (args.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`\nbench/report.ts: ${totalEvents} events, ${rounds} rounds alternated, median [min..max]
  report peak RSS      ${show(rss, 0)} MB   aim < ${AIM_RSS_MB} MB   peer timeline --verify ${show(peerRss, 0)} MB   ratio ${f(rss.median / peerRss.median)}
  report time          ${show(secs)} s   peer timeline --verify ${show(peerSecs)} s   ratio ${f(secs.median / peerSecs.median)}
  render in Chromium   ${show(br)} s   aim < ${AIM_RENDER_S} s   peer 7-issue demo ${show(dr)} s   ratio ${f(br.median / dr.median)}
  1M-event report      ${(bigBytes / 1024).toFixed(0)} KiB, ${bigIssues} table rows (aggregated Gantt)
  10,000-issue report  ${(tenKBytes / 1024).toFixed(0)} KiB (${tenKEvents} events)   aim < 2048 KiB   met ${result.met.size}`);
  }
} finally {
  dir.cleanup();
}
