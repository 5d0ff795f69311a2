import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { EventLogPlugin } from "../../src/plugin.ts";

/** The demo session written into `dir` through the plugin; returns the database path. */
export async function demoDb(dir: string): Promise<string> {
  const plugin = await EventLogPlugin.create({
    config: resolveConfig({ jsonl: "e.jsonl", db: "events.db", mirror: true }, dir),
    now: demoClock(),
  });
  await runDemoSession(plugin);
  plugin.close();
  return join(dir, "events.db");
}
