// `bun run demo [out-dir]`: a realistic runner session through the plugin, loaded from a
// config file, then the task timelines replayed from the SQLite file alone.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { demoClock, runDemoSession } from "../src/demo/session.ts";
import { loadRunnerPlugins } from "../src/plugin-loader.ts";
import { renderTimelines } from "../src/replay/render-timeline.ts";
import { replayTimelines, storeReadLog } from "../src/replay/timeline-projection.ts";
import { reportHtml } from "../src/report/build.ts";
import { EventStore } from "../src/store/event-store.ts";

const out = resolve(process.argv[2] ?? "demo-out");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const configPath = join(out, "forge-eventlog.config.json");
writeFileSync(
  configPath,
  `${JSON.stringify(
    {
      jsonl: "docs/ops/loop-runner-events.jsonl",
      db: ".forge/events.db",
      mirror: true,
      durability: "normal",
      events: { enabled: true, loop: "coder-1", pool: "default", profile: "claude", root: "." },
    },
    null,
    2,
  )}\n`,
);

const loaded = await loadRunnerPlugins(configPath, { now: demoClock() });
await runDemoSession(loaded.hooks);
await loaded.close();

const { config } = loaded;
const store = await EventStore.open(config.db, { readonly: true });
const timelines = replayTimelines(store);
const report = store.verify();
const events = store.latestSequence();
const reportFile = join(out, "report.html");
writeFileSync(reportFile, await reportHtml(storeReadLog(store)));
store.close();

const topicDir = join(out, ".fmail", "topics", config.events.topic);
const messages = readdirSync(topicDir).filter((f) => f.endsWith(".json")).length;
const rel = (p: string) => relative(process.cwd(), p) || ".";
const cli = "npx bun src/cli/main.ts";
console.log(`Session written to ${rel(out)}/
  legacy JSONL   ${rel(config.jsonl)}
  durable log    ${rel(config.db)}  (${events} events, chain ${report.ok ? "verified" : "BROKEN"})
  fmail topic    ${rel(topicDir)}  (${messages} loop events)
  HTML report    ${rel(reportFile)}  (open it in a browser)

Task timelines replayed from SQLite alone:

${renderTimelines(timelines)}

Next:
  ${cli} replay --db ${rel(config.db)}
  ${cli} timeline --db ${rel(config.db)} --issue 167
  FMAIL_ROOT=${rel(out)} ${cli} watch ${config.events.topic}   (or: fmail watch ${config.events.topic})`);
