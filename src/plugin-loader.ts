import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { consola } from "consola";
import { BUILTIN_PLUGIN, loadConfig, type ResolvedConfig } from "./config.ts";
import { describeError, EventLogError } from "./errors.ts";
import { HOOK_NAMES, type RunnerHooks } from "./milestones.ts";
import type { PluginOptions } from "./plugin.ts";
import { isPostgresUrl, parsePgTarget } from "./store/pg/target.ts";

export interface LoadedPlugins {
  config: ResolvedConfig;
  /** Each plugin's hooks, in config order. */
  plugins: RunnerHooks[];
  /** One object whose hooks call every plugin's; a plugin that throws is logged, not fatal. */
  hooks: Required<Omit<RunnerHooks, "close">>;
  close(): Promise<void>;
}

type PluginModule = {
  createRunnerPlugin?: (o: PluginOptions) => RunnerHooks | Promise<RunnerHooks>;
};

/**
 * What a runner calls at start-up: reads the config (default `forge-eventlog.config.json`),
 * imports every module in `plugins` (`forge-eventlog` is the built-in one; relative paths are
 * from the config's directory) and returns their combined hooks.
 */
export async function loadRunnerPlugins(
  configPath?: string,
  options: Omit<PluginOptions, "config"> = {},
): Promise<LoadedPlugins> {
  const config = loadConfig(configPath);
  if (config.mirror && isPostgresUrl(config.db)) {
    throw new EventLogError(
      "config_invalid",
      `${config.file}: "db" is a PostgreSQL URL, but the plugin writes a local SQLite log (a hook never waits on the network): set "db" to a file and ship it with 'forge-eventlog ship --to ${parsePgTarget(config.db).label}'`,
    );
  }
  const plugins: RunnerHooks[] = [];
  for (const spec of config.plugins) {
    const mod = await importPlugin(spec, config);
    if (typeof mod.createRunnerPlugin !== "function") {
      throw new EventLogError(
        "plugin_load_failed",
        `plugin ${spec} (from ${config.file}) exports no createRunnerPlugin function; export one that returns the hooks`,
      );
    }
    plugins.push(await mod.createRunnerPlugin({ ...options, config }));
  }
  return {
    config,
    plugins,
    hooks: combineHooks(plugins, options.logger ?? consola),
    close: async () => {
      for (const p of plugins) await p.close?.();
    },
  };
}

async function importPlugin(spec: string, config: ResolvedConfig): Promise<PluginModule> {
  try {
    if (spec === BUILTIN_PLUGIN || spec === `${BUILTIN_PLUGIN}/plugin`) {
      return (await import("./plugin.ts")) as PluginModule;
    }
    const target =
      spec.startsWith(".") || isAbsolute(spec)
        ? pathToFileURL(resolve(config.baseDir, spec)).href
        : spec;
    return (await import(target)) as PluginModule;
  } catch (e) {
    throw new EventLogError(
      "plugin_load_failed",
      `cannot load plugin ${spec} listed in ${config.file}: ${describeError(e)}; check the "plugins" field`,
      { cause: e },
    );
  }
}

function combineHooks(
  plugins: RunnerHooks[],
  logger: { warn(message: string): void },
): LoadedPlugins["hooks"] {
  const failed = new Set<string>();
  const report = (name: string, e: unknown) => {
    if (failed.has(name)) return;
    failed.add(name);
    logger.warn(
      `forge-eventlog: a plugin's ${name} hook failed (${describeError(e)}); the runner goes on`,
    );
  };
  const call = (name: (typeof HOOK_NAMES)[number]) => (m: never) => {
    const pending: Promise<void>[] = [];
    for (const p of plugins) {
      const hook = p[name] as ((m: never) => void | Promise<void>) | undefined;
      if (!hook) continue;
      try {
        const r = hook.call(p, m);
        if (r instanceof Promise) pending.push(r.catch((e) => report(name, e)));
      } catch (e) {
        report(name, e);
      }
    }
    return pending.length ? Promise.all(pending).then(() => undefined) : undefined;
  };
  return Object.fromEntries(HOOK_NAMES.map((n) => [n, call(n)])) as LoadedPlugins["hooks"];
}
