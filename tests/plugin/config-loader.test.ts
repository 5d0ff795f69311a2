import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { EventLogError } from "../../src/errors.ts";
import { loadRunnerPlugins } from "../../src/plugin-loader.ts";
import { tempDir } from "../helpers.ts";

const writeConfig = (dir: string, config: unknown) => {
  const path = join(dir, "forge-eventlog.config.json");
  writeFileSync(path, typeof config === "string" ? config : JSON.stringify(config));
  return path;
};

function configError(dir: string, config: unknown): EventLogError {
  try {
    loadConfig(writeConfig(dir, config));
  } catch (e) {
    if (e instanceof EventLogError) return e;
    throw e;
  }
  throw new Error("config was accepted");
}

test("defaults, and paths resolved from the config file's directory", () => {
  const dir = tempDir();
  const c = loadConfig(writeConfig(dir, {}));
  expect(c).toMatchObject({
    jsonl: join(dir, "docs/ops/loop-runner-events.jsonl"),
    db: join(dir, ".forge/events.db"),
    mirror: false,
    durability: "normal",
    busyTimeoutMs: 5000,
    plugins: ["forge-eventlog"],
    events: { enabled: false, topic: "forge-events" },
  });
});

test("a bad config names the field and the problem", () => {
  const dir = tempDir();
  const e1 = configError(dir, { mirror: "yes" });
  expect(e1.code).toBe("config_invalid");
  expect(e1.message).toContain('field "mirror"');
  expect(configError(dir, { durability: "paranoid" }).message).toContain('field "durability"');
  expect(configError(dir, { dbPath: "x" }).message).toContain("dbPath");
  expect(configError(dir, { events: { topic: "Forge Events!" } }).message).toContain(
    "events.topic",
  );
  const syntax = configError(dir, "{ mirror: true ");
  expect(syntax.message).toContain("not valid JSON");
  expect(() => loadConfig(join(dir, "missing.json"))).toThrow(/no config file/);
});

test("loadRunnerPlugins imports the built-in plugin and relative plugin modules, in order", async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "audit-plugin.ts"),
    `import { appendFileSync } from "node:fs";
     export function createRunnerPlugin({ config }) {
       return {
         onTick: (m) => appendFileSync(config.baseDir + "/audit.log", m.kind + "\\n"),
         onWorker: () => { throw new Error("plugin bug"); },
       };
     }`,
  );
  const path = writeConfig(dir, {
    jsonl: "e.jsonl",
    db: "e.db",
    mirror: true,
    plugins: ["forge-eventlog", "./audit-plugin.ts"],
  });
  const warnings: string[] = [];
  const loaded = await loadRunnerPlugins(path, { logger: { warn: (m) => warnings.push(m) } });
  expect(loaded.plugins).toHaveLength(2);
  loaded.hooks.onTick({ kind: "tick_start", tick: 0, issues: [1] });
  loaded.hooks.onWorker({ kind: "worker_start", tick: 0, issue: 1 });
  loaded.hooks.onWorker({ kind: "worker_started", tick: 0, issue: 1 });
  await loaded.close();
  expect(readFileSync(join(dir, "audit.log"), "utf8")).toBe("tick_start\n");
  expect(readFileSync(join(dir, "e.jsonl"), "utf8").split("\n").filter(Boolean)).toHaveLength(3);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("plugin bug");
});

test("a plugin module that cannot be loaded is a clear error", async () => {
  const dir = tempDir();
  const path = writeConfig(dir, { plugins: ["./nope.ts"] });
  await expect(loadRunnerPlugins(path)).rejects.toThrow(/cannot load plugin \.\/nope\.ts/);
  writeFileSync(join(dir, "empty.ts"), "export const x = 1;\n");
  const path2 = writeConfig(dir, { plugins: ["./empty.ts"] });
  await expect(loadRunnerPlugins(path2)).rejects.toThrow(/exports no createRunnerPlugin/);
});
