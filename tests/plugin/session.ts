import { join } from "node:path";
import { type ConfigInput, resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { EventLogPlugin } from "../../src/plugin.ts";

export const GOLDEN_JSONL = join(import.meta.dir, "golden", "demo-session.jsonl");

export interface SessionRun {
  plugin: EventLogPlugin;
  warnings: string[];
}

/** Runs the demo session through a plugin built from `config` (paths relative to `dir`). */
export async function runSession(dir: string, config: ConfigInput): Promise<SessionRun> {
  const warnings: string[] = [];
  const plugin = await EventLogPlugin.create({
    config: resolveConfig(config, dir),
    now: demoClock(),
    logger: { warn: (m) => warnings.push(m) },
  });
  await runDemoSession(plugin);
  plugin.close();
  return { plugin, warnings };
}
