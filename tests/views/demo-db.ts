import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { EventStore } from "../../src/store/event-store.ts";

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

/** The demo database plus an issue whose title and PR try to inject markup and script. */
export async function hostileDemoDb(dir: string): Promise<string> {
  const db = await demoDb(dir);
  const store = await EventStore.open(db);
  store.append(
    "task.failed",
    {
      issue: 999,
      title: '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">',
      status: "failed",
      pr_url: "javascript:alert(1)",
      legacy_kind: "tick_done",
      tick: 2,
    },
    { taskId: "issue:999", sagaId: "tick:2", occurredAt: "2026-06-02T12:05:12.000Z" },
  );
  store.close();
  return db;
}
