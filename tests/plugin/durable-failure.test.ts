import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../../src/config.ts";
import { demoClock, runDemoSession } from "../../src/demo/session.ts";
import { Mirror } from "../../src/mirror/mirror.ts";
import { EventLogPlugin } from "../../src/plugin.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir, waitFor } from "../helpers.ts";
import { GOLDEN_JSONL, runSession } from "./session.ts";

const golden = () => readFileSync(GOLDEN_JSONL, "utf8");

test("an unwritable database path never reaches the runner; the JSONL is complete", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "not-a-dir"), "");
  const { plugin, warnings } = await runSession(dir, {
    jsonl: "e.jsonl",
    db: "not-a-dir/events.db",
    mirror: true,
    retryAfterMs: 0,
  });
  expect(readFileSync(join(dir, "e.jsonl"), "utf8")).toBe(golden());
  const stats = plugin.stats();
  expect(stats.durableFailed).toBe(stats.milestones);
  expect(stats.jsonlWritten).toBe(stats.milestones);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("not-a-dir/events.db");
  expect(warnings[0]).toContain("forge-eventlog mirror");
});

test("a file that is not a database is left untouched and the runner goes on", async () => {
  const dir = tempDir();
  const junk = "this is not sqlite\n".repeat(300);
  writeFileSync(join(dir, "events.db"), junk);
  const { plugin, warnings } = await runSession(dir, {
    jsonl: "e.jsonl",
    db: "events.db",
    mirror: true,
  });
  expect(readFileSync(join(dir, "events.db"), "utf8")).toBe(junk);
  expect(readFileSync(join(dir, "e.jsonl"), "utf8")).toBe(golden());
  expect(plugin.stats().durableError).toContain("not a SQLite database");
  expect(warnings).toHaveLength(1);
});

test("a database locked by another process past the timeout: counted, then backfilled", async () => {
  const dir = tempDir();
  const db = join(dir, "events.db");
  (await EventStore.open(db)).close();
  const holder = Bun.spawn(
    [process.execPath, join(import.meta.dir, "../fixtures/hold-write-lock.ts"), db],
    {
      stdout: "pipe",
    },
  );
  const reader = holder.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked");

  const warnings: string[] = [];
  const plugin = await EventLogPlugin.create({
    config: resolveConfig(
      {
        jsonl: "e.jsonl",
        db: "events.db",
        mirror: true,
        mirrorFlushMs: 0,
        busyTimeoutMs: 20,
        retryAfterMs: 0,
      },
      dir,
    ),
    now: demoClock(),
    logger: { warn: (m) => warnings.push(m) },
  });
  const hooks = plugin;
  let calls = 0;
  const release = async () => {
    // The writer is on its own thread now: release only once it has met the lock.
    await waitFor("a commit failing on the lock", () => plugin.stats().durableFailed > 0);
    holder.kill(9);
    await holder.exited;
  };
  // Release the lock halfway through the session.
  const wrapped = new Proxy(hooks, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function" || !String(prop).startsWith("on")) return v;
      return async (m: never) => {
        if (++calls === 28) await release();
        return v.call(target, m);
      };
    },
  });
  await runDemoSession(wrapped);
  plugin.close();
  expect(readFileSync(join(dir, "e.jsonl"), "utf8")).toBe(golden());
  const stats = plugin.stats();
  expect(stats.durableFailed).toBeGreaterThan(0);
  expect(stats.mirror?.appended).toBeGreaterThan(0);
  expect(warnings.filter((w) => w.includes("locked"))).toHaveLength(1);

  // Backfill from the JSONL: afterwards the log holds exactly what a run without failures holds.
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  for (const line of golden().split("\n").filter(Boolean)) m.mirrorRecord(JSON.parse(line));
  const clean = tempDir();
  const { plugin: reference } = await runSession(clean, {
    jsonl: "e.jsonl",
    db: "e.db",
    mirror: true,
  });
  expect(store.latestSequence()).toBe(reference.stats().mirror!.appended);
  expect(store.verify().ok).toBe(true);
  store.close();
});
