import { parseArgs } from "node:util";
import { describeError } from "../../errors.ts";
import {
  type AnyCommand,
  globalArgs,
  type OptionDef,
  type OptionsDef,
  subCommand,
  subCommandNames,
} from "./command.ts";
import { usageError } from "./errors.ts";

export interface Resolved {
  root: AnyCommand;
  cmd: AnyCommand;
  /** Command names after the root, e.g. ["cursors", "set"]. */
  path: string[];
  /** argv without the command names, in order. */
  rest: string[];
}

const GLOBAL_VALUE_FLAGS = new Set(
  Object.entries(globalArgs as OptionsDef)
    .filter(([, def]) => def.type === "string")
    .map(([name]) => `--${name}`),
);

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
    const names = subCommandNames(cmd);
    if (names.length === 0) {
      rest.push(token);
      continue;
    }
    const sub = await subCommand(cmd, token);
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
  const sub = await subCommand(r.cmd, r.cmd.default);
  return sub ? { ...r, cmd: sub, path: [...r.path, r.cmd.default] } : r;
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

/** Every spelling of every option (name, kebab-case, camelCase, alias) → its name and definition. */
function optionLookup(args: OptionsDef): Map<string, [string, OptionDef]> {
  const byName = new Map<string, [string, OptionDef]>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const alias = def.alias === undefined ? [] : [def.alias];
    for (const key of [name, kebab(name), camel(name), ...alias]) byName.set(key, [name, def]);
  }
  return byName;
}

/** Values for run(): options by name, positionals by name, defaults filled in. */
export type OptionValues = Record<string, string | boolean | undefined>;

/**
 * The options argv gives the command, checked strictly: an operator's typo must not be ignored
 * (a mistyped --issue would replay everything), so an unknown option, a missing value or a
 * wrong argument count is a usage error naming the fix, with a did-you-mean.
 *
 * The check writes a canonical argv (`--name=value`, `--name` / `--no-name`, then `--` and
 * the positionals) that node:util parseArgs reads strictly into the values. Writing it first
 * keeps today's rules that parseArgs alone would change: a value such as `-1` is a value
 * (`--from -1`, `cursors set x -1`) and reported as a bad number, `-qf` is not two flags,
 * `--batchLines` means `--batch-lines`, `--json=false` is false.
 */
export function parseOptions(r: Resolved, rootName: string): OptionValues {
  const args: OptionsDef = { ...globalArgs, ...r.cmd.args };
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
    let negated = false;
    if (
      !found &&
      long &&
      key.startsWith("no-") &&
      options.get(key.slice(3))?.[1].type === "boolean"
    ) {
      found = options.get(key.slice(3));
      negated = true;
    }
    if (!found || (short && key.length !== 1)) {
      throw unknown(token.slice(0, eq === -1 ? undefined : eq));
    }
    const [canonical, def] = found;
    if (def.type === "boolean") {
      const on = !negated && (eq === -1 || token.slice(eq + 1) !== "false");
      argv.push(on ? `--${canonical}` : `--no-${canonical}`);
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
  const values = readCanonical(args, [...argv, "--", ...seen], name);
  positionals.forEach(([n, d], i) => {
    values[n] = seen[i] ?? (d.default as string | undefined);
  });
  return values;
}

function readCanonical(args: OptionsDef, argv: string[], name: string): OptionValues {
  const options: Record<string, { type: "string" | "boolean"; default?: string | boolean }> = {};
  for (const [n, d] of Object.entries(args)) {
    if (d.type === "positional") continue;
    options[n] = d.default === undefined ? { type: d.type } : { type: d.type, default: d.default };
  }
  try {
    const parsed = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    });
    return { ...parsed.values };
  } catch (e) {
    // The canonical argv is built to parse; this is a definition that does not.
    throw usageError(`${describeError(e)}; see '${name} --help'`);
  }
}

/** The candidate closest to `input` by edit distance, when it is close enough to be a typo. */
function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(input.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

/** ` (did you mean "replay"?)`, or "" when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const c = closest(input, candidates);
  return c === undefined ? "" : ` (did you mean ${JSON.stringify(c)}?)`;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}
