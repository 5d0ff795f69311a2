import { DEFAULT_CONFIG_FILE, DEFAULT_DB } from "../../paths.ts";

/** One option (`--name`) or positional argument (`<name>`) of a command. */
export interface OptionDef {
  type: "string" | "boolean" | "positional";
  description?: string;
  /** The placeholder --help shows: `--db <path>`. */
  valueHint?: string;
  /** Another name for the option, e.g. "o" for `-o`. */
  alias?: string;
  default?: string | boolean;
  /** Positionals are required unless `required: false` or they have a default. */
  required?: boolean;
}

export type OptionsDef = Record<string, OptionDef>;

type ValueOf<D extends OptionDef> = D["type"] extends "boolean" ? boolean : string;

/** What run() sees: every option by its name; undefined when not given and without a default. */
export type ParsedOptions<T extends OptionsDef> = {
  [K in keyof T]: T[K] extends { default: string | boolean }
    ? ValueOf<T[K]>
    : T[K] extends { type: "positional"; required: false }
      ? string | undefined
      : T[K] extends { type: "positional" }
        ? string
        : ValueOf<T[K]> | undefined;
};

/** Extra help text the renderer prints after the options. */
export interface CommandHelp {
  examples?: string[];
  notes?: string[];
  /** What exit code 1 means for this command, when it means something specific. */
  exit1?: string;
}

export interface Command<T extends OptionsDef = OptionsDef> {
  meta: { name: string; description: string; version?: string };
  /** Its options and positionals; spread `...globalArgs` in so run() sees them typed. */
  args?: T;
  help?: CommandHelp;
  /** Sub-commands by name: a command, or `lazy(() => import(...))` to load it on first use. */
  subCommands?: Record<string, AnyCommand | LoadCommand>;
  /** The sub-command that runs when none is named: `cursors` runs `cursors list`. */
  default?: string;
  run?(context: { args: ParsedOptions<T> }): void | Promise<void>;
}

// A command's run() sees its own options; a list of commands holds any of them.
// biome-ignore lint/suspicious/noExplicitAny: any command, whatever its options
export type AnyCommand = Command<any>;

export type LoadCommand = () => Promise<AnyCommand>;

/** A command with its options typed for run(); the definition is returned as it is. */
export function defineCommand<const T extends OptionsDef>(def: Command<T>): Command<T> {
  return def;
}

/** A command loaded on first use: `replay: lazy(() => import("./replay.ts"))`. */
export function lazy(load: () => Promise<{ default: AnyCommand }>): LoadCommand {
  return async () => (await load()).default;
}

export const subCommandNames = (cmd: AnyCommand): string[] => Object.keys(cmd.subCommands ?? {});

/** The sub-command `name`, loaded; undefined when there is none. */
export async function subCommand(cmd: AnyCommand, name: string): Promise<AnyCommand | undefined> {
  const sub = Object.hasOwn(cmd.subCommands ?? {}, name) ? cmd.subCommands?.[name] : undefined;
  return typeof sub === "function" ? await sub() : sub;
}

/** Accepted by every command, before or after the command name. */
export const globalArgs = {
  db: {
    type: "string",
    valueHint: "path",
    description: `Event database (default: $FORGE_EVENTLOG_DB, else the config's "db", else ./${DEFAULT_DB})`,
  },
  config: {
    type: "string",
    valueHint: "path",
    description: `Config file (default: $FORGE_EVENTLOG_CONFIG, else the nearest ${DEFAULT_CONFIG_FILE} from here upwards)`,
  },
  "busy-timeout": {
    type: "string",
    valueHint: "ms",
    description: 'Lock wait (config "busyTimeoutMs", else 5000)',
  },
  json: { type: "boolean", description: "Machine output: one JSON object per line on stdout" },
  quiet: { type: "boolean", alias: "q", description: "Print nothing on stderr but errors" },
  debug: { type: "boolean", description: "Print debug messages, and stack traces on errors" },
} as const satisfies OptionsDef;

export type GlobalArgs = Partial<ParsedOptions<typeof globalArgs>>;

/** Flags runCli handles itself; listed so help shows them with the globals. */
export const builtinArgs = {
  help: { type: "boolean", alias: "h", description: "Show help for the command" },
} as const satisfies OptionsDef;

export const rootOnlyArgs = {
  version: {
    type: "boolean",
    alias: "V",
    description: "Print the version, the runtime and the commit",
  },
} as const satisfies OptionsDef;
