import type { ArgsDef, CommandDef, Resolvable } from "citty";

/** Extra help text the renderer prints after the options. */
export interface CommandHelp {
  examples?: string[];
  notes?: string[];
  /** What exit code 1 means for this command, when it means something specific. */
  exit1?: string;
}

// citty types sub-commands as CommandDef<any> too: a command's run() sees its own parsed args.
// biome-ignore lint/suspicious/noExplicitAny: any command, whatever its args
export type AnyCommand = CommandDef<any> & { help?: CommandHelp };

/** citty's defineCommand, plus optional `help` (examples, notes) for --help. */
export function defineCliCommand<const T extends ArgsDef = ArgsDef>(
  def: CommandDef<T> & { help?: CommandHelp },
): CommandDef<T> & { help?: CommandHelp } {
  return def;
}

/** A command loaded on first use: `replay: lazy(() => import("./replay.ts"))`. */
export function lazy(load: () => Promise<{ default: AnyCommand }>): () => Promise<AnyCommand> {
  return async () => (await load()).default;
}

export async function resolveValue<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** Sub-command names and their (possibly lazy, not yet loaded) definitions. */
export async function subCommandEntries(
  cmd: AnyCommand,
): Promise<[string, Resolvable<AnyCommand>][]> {
  return Object.entries(cmd.subCommands ? await resolveValue(cmd.subCommands) : {});
}

/** Every sub-command, loaded (for help and alias lookup). */
export async function subCommandsOf(cmd: AnyCommand): Promise<Record<string, AnyCommand>> {
  const out: Record<string, AnyCommand> = {};
  for (const [name, sub] of await subCommandEntries(cmd)) out[name] = await resolveValue(sub);
  return out;
}

export async function argsOf(cmd: AnyCommand): Promise<ArgsDef> {
  return cmd.args ? await resolveValue(cmd.args) : {};
}
