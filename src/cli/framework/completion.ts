import {
  type AnyCommand,
  builtinArgs,
  globalArgs,
  type OptionsDef,
  rootOnlyArgs,
  subCommand,
  subCommandNames,
} from "./command.ts";
import { usageError } from "./errors.ts";

/** A command path (`cursors set`) with its sub-command names and its flags. */
interface Node {
  path: string[];
  subs: string[];
  flags: string[];
}

function flagsOf(args: OptionsDef): string[] {
  const flags: string[] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    flags.push(`--${name}`);
    if (def.type === "boolean" && def.default === true) flags.push(`--no-${name}`);
    if (def.alias !== undefined)
      flags.push(def.alias.length === 1 ? `-${def.alias}` : `--${def.alias}`);
  }
  return flags;
}

/** Every command of the tree, loaded, with what may follow it. */
async function walk(cmd: AnyCommand, path: string[], isRoot: boolean): Promise<Node[]> {
  const subs = subCommandNames(cmd);
  const own = {
    ...globalArgs,
    ...builtinArgs,
    ...(isRoot ? rootOnlyArgs : {}),
    ...(cmd.args ?? {}),
  };
  const nodes: Node[] = [{ path, subs, flags: [...new Set(flagsOf(own))] }];
  for (const name of subs) {
    const sub = await subCommand(cmd, name);
    if (sub) nodes.push(...(await walk(sub, [...path, name], false)));
  }
  return nodes;
}

const key = (path: string[]) => path.join(" ");

function bash(name: string, nodes: Node[]): string {
  const fn = `_${name.replaceAll("-", "_")}`;
  const cases = nodes
    .map((n) => `    "${key(n.path)}") words="${[...n.subs, ...n.flags].join(" ")}" ;;`)
    .join("\n");
  const subsets = nodes
    .filter((n) => n.subs.length)
    .map((n) => `    "${key(n.path)}") subs=" ${n.subs.join(" ")} " ;;`)
    .join("\n");
  return `# bash completion for ${name}: eval "$(${name} completion bash)", or save it to
# /etc/bash_completion.d/${name}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" subs word words
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    subs=""
    case "$path" in
${subsets}
    esac
    [[ "$subs" == *" $word "* ]] && path="\${path:+$path }$word"
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  [[ "$cur" != -* && \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F ${fn} ${name}
`;
}

function zsh(name: string, nodes: Node[]): string {
  const fn = `_${name.replaceAll("-", "_")}`;
  const cases = nodes
    .map((n) => `    "${key(n.path)}") cands=(${[...n.subs, ...n.flags].join(" ")}) ;;`)
    .join("\n");
  const subsets = nodes
    .filter((n) => n.subs.length)
    .map((n) => `      "${key(n.path)}") subs=(${n.subs.join(" ")}) ;;`)
    .join("\n");
  return `#compdef ${name}
# zsh completion for ${name}: save as _${name} in a directory of $fpath, or
# eval "$(${name} completion zsh)" after compinit
${fn}() {
  local p="" w
  local -a cands subs
  for w in "\${(@)words[2,CURRENT-1]}"; do
    subs=()
    case "$p" in
${subsets}
    esac
    (( \${subs[(Ie)$w]} )) && p="\${p:+$p }$w"
  done
  case "$p" in
${cases}
  esac
  compadd -a cands
  [[ "$PREFIX" == -* ]] || _files
}
compdef ${fn} ${name}
`;
}

function fish(name: string, nodes: Node[]): string {
  const lines = [
    `# fish completion for ${name}: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
  ];
  for (const n of nodes) {
    const parents = n.path.map((p) => `__fish_seen_subcommand_from ${p}`);
    const below = nodes
      .filter((m) => m.path.length === n.path.length + 1 && key(m.path).startsWith(key(n.path)))
      .map((m) => m.path.at(-1)!);
    const notYet = below.length ? `; and not __fish_seen_subcommand_from ${below.join(" ")}` : "";
    const cond =
      n.path.length === 0 ? `__fish_use_subcommand` : `${parents.join("; and ")}${notYet}`;
    for (const sub of n.subs) lines.push(`complete -c ${name} -n '${cond}' -f -a ${sub}`);
    for (const flag of n.flags) {
      const opt = flag.startsWith("--") ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
      lines.push(`complete -c ${name} -n '${n.path.length ? cond : "true"}' ${opt}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

/** `completion bash|zsh|fish` for the whole command tree under `root`. */
export async function completionScript(root: AnyCommand, shell: string): Promise<string> {
  if (!Object.hasOwn(SHELLS, shell)) {
    throw usageError(`completion takes bash, zsh or fish (got ${JSON.stringify(shell)})`);
  }
  const nodes = await walk(root, [], true);
  return SHELLS[shell as keyof typeof SHELLS](root.meta.name, nodes);
}
