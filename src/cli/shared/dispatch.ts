import type { ArgDef, ArgsDef } from "citty";
import { globalArgs } from "./args.ts";
import { type AnyCommand, argsOf, resolveValue, subCommandEntries } from "./command.ts";
import { didYouMean } from "./suggest.ts";
import { usageError } from "./values.ts";

export interface Resolved {
  root: AnyCommand;
  cmd: AnyCommand;
  /** Command names after the root, e.g. ["cursors", "set"]. */
  path: string[];
  /** argv without the command names, in order. */
  rest: string[];
}

const GLOBAL_VALUE_FLAGS = new Set(
  Object.entries(globalArgs as ArgsDef)
    .filter(([, def]) => def.type === "string")
    .map(([name]) => `--${name}`),
);

async function findSub(cmd: AnyCommand, name: string): Promise<AnyCommand | undefined> {
  const entries = await subCommandEntries(cmd);
  const named = entries.find(([n]) => n === name);
  if (named) return resolveValue(named[1]);
  for (const [, lazySub] of entries) {
    // An alias lookup must not fail because some other command does not load.
    const sub = await Promise.resolve(resolveValue(lazySub)).catch(() => undefined);
    const meta = sub?.meta ? await resolveValue(sub.meta) : undefined;
    const aliases = meta?.alias === undefined ? [] : [meta.alias].flat();
    if (aliases.includes(name)) return sub;
  }
  return undefined;
}

export function commandName(r: Pick<Resolved, "path">, rootName: string): string {
  return [rootName, ...r.path].join(" ");
}

/**
 * Walks argv to the command it names. Global options may come before the command name;
 * everything that is not a command name is handed to the command, in order.
 */
export async function resolveCommand(
  root: AnyCommand,
  rootName: string,
  argv: readonly string[],
): Promise<Resolved> {
  let cmd = root;
  const path: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (token.startsWith("-") && token !== "-") {
      rest.push(token);
      if (GLOBAL_VALUE_FLAGS.has(token) && i + 1 < argv.length) rest.push(argv[++i]!);
      continue;
    }
    const names = (await subCommandEntries(cmd)).map(([n]) => n);
    if (names.length === 0) {
      rest.push(token);
      continue;
    }
    const sub = await findSub(cmd, token);
    if (!sub) {
      const where = commandName({ path }, rootName);
      const what = path.length ? `${path.join(" ")} command` : "command";
      throw usageError(
        `unknown ${what} ${JSON.stringify(token)}${didYouMean(token, names)}; run '${where} --help' for the list`,
      );
    }
    cmd = sub;
    path.push(token);
  }
  return { root, cmd, path, rest };
}

/** `cursors` alone runs `cursors list`: a command without run() may name a default. */
export async function withDefault(r: Resolved): Promise<Resolved> {
  if (r.cmd.run || !r.cmd.default) return r;
  const name = await resolveValue(r.cmd.default);
  const sub = await findSub(r.cmd, name);
  return sub ? { ...r, cmd: sub, path: [...r.path, name] } : r;
}

/** `--help`/`-h`, or another flag, before any `--`. */
export function hasFlag(argv: readonly string[], ...flags: string[]): boolean {
  for (const a of argv) {
    if (a === "--") return false;
    if (flags.includes(a)) return true;
  }
  return false;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function optionLookup(args: ArgsDef): Map<string, [string, ArgDef]> {
  const byName = new Map<string, [string, ArgDef]>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const alias = "alias" in def && def.alias !== undefined ? [def.alias].flat() : [];
    for (const key of [name, kebab(name), camel(name), ...alias]) byName.set(key, [name, def]);
  }
  return byName;
}

const takesValue = (def: ArgDef) => def.type === "string" || def.type === "enum";

export interface CheckedArgs {
  args: ArgsDef;
  /** argv for citty: options as --name=value first, then `--` and the positionals. */
  argv: string[];
}

/**
 * citty accepts unknown options silently; an operator's typo must not be ignored (a mistyped
 * --issue would replay everything), so every option and the argument count are checked first.
 * The normalised argv also keeps a value like -1 from being read as an option.
 */
export async function checkArgs(r: Resolved, rootName: string): Promise<CheckedArgs> {
  const args: ArgsDef = { ...globalArgs, ...(await argsOf(r.cmd)) };
  const name = commandName(r, rootName);
  const options = optionLookup(args);
  const positionals = Object.entries(args).filter(([, d]) => d.type === "positional");
  const flags = [...options.keys()].map((k) => (k.length === 1 ? `-${k}` : `--${k}`));
  const seen: string[] = [];
  const argv: string[] = [];
  const unknown = (flag: string) =>
    usageError(
      `unknown option ${flag}${didYouMean(flag, flags)} for '${name}'; run '${name} --help' for its options`,
    );
  for (let i = 0; i < r.rest.length; i++) {
    const token = r.rest[i]!;
    if (token === "--") {
      seen.push(...r.rest.slice(i + 1));
      break;
    }
    const long = token.startsWith("--");
    const short = !long && /^-[^\d]/.test(token);
    if (!long && !short) {
      seen.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const key = token.slice(long ? 2 : 1, eq === -1 ? undefined : eq);
    let found = options.get(key);
    if (
      !found &&
      long &&
      key.startsWith("no-") &&
      options.get(key.slice(3))?.[1].type === "boolean"
    ) {
      found = options.get(key.slice(3));
    }
    if (!found || (short && key.length !== 1)) {
      throw unknown(token.slice(0, eq === -1 ? undefined : eq));
    }
    const [canonical, def] = found;
    if (!takesValue(def)) {
      argv.push(token);
      continue;
    }
    let value = eq === -1 ? undefined : token.slice(eq + 1);
    if (value === undefined) {
      if (i + 1 >= r.rest.length) throw usageError(`${token} needs a value; see '${name} --help'`);
      value = r.rest[++i]!;
    }
    argv.push(`--${canonical}=${value}`);
  }
  const required = positionals.filter(([, d]) => d.required !== false && d.default === undefined);
  if (seen.length < required.length) {
    const missing = required.slice(seen.length).map(([n]) => `<${n}>`);
    throw usageError(`'${name}' needs ${missing.join(" and ")}; run '${name} --help' for usage`);
  }
  if (seen.length > positionals.length) {
    throw usageError(
      `unexpected argument ${JSON.stringify(seen[positionals.length])} for '${name}'; run '${name} --help' for usage`,
    );
  }
  return { args, argv: [...argv, "--", ...seen] };
}
