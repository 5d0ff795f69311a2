import {
  builtinArgs,
  globalArgs,
  type OptionDef,
  type OptionsDef,
  rootOnlyArgs,
  subCommand,
  subCommandNames,
} from "./command.ts";
import { EXIT_CODE_HELP } from "./errors.ts";
import { commandName, type Resolved } from "./parse.ts";
import { stdoutPaint } from "./terminal.ts";

const WIDTH = 80;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [""];
}

/** Two columns, the second wrapped with a hanging indent. */
function definitions(rows: [string, string][], label: (s: string) => string): string[] {
  const labelWidth = Math.min(24, Math.max(...rows.map(([l]) => l.length)));
  const textWidth = Math.max(30, WIDTH - 2 - labelWidth - 2);
  const out: string[] = [];
  for (const [l, text] of rows) {
    const lines = wrap(text, textWidth);
    const indent = " ".repeat(2 + labelWidth + 2);
    if (l.length > labelWidth) {
      out.push(`  ${label(l)}`);
      out.push(...lines.map((t) => indent + t));
    } else {
      out.push(`  ${label(l)}${" ".repeat(labelWidth - l.length + 2)}${lines[0]}`);
      out.push(...lines.slice(1).map((t) => indent + t));
    }
  }
  return out;
}

function optionLabel(name: string, def: OptionDef): string {
  const aliases = def.alias === undefined ? [] : [def.alias];
  const flags = [...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)), `--${name}`];
  const hint = def.type === "string" ? ` <${def.valueHint ?? name}>` : "";
  return flags.join(", ") + hint;
}

function optionRows(args: OptionsDef): [string, string][] {
  return Object.entries(args)
    .filter(([, def]) => def.type !== "positional")
    .map(([name, def]) => {
      const dflt = def.default === undefined ? "" : ` (default: ${String(def.default)})`;
      return [optionLabel(name, def), `${def.description ?? ""}${dflt}`];
    });
}

/** --help for any command: usage, arguments, commands, options, examples, exit codes. */
export async function renderHelp(r: Resolved, rootName: string): Promise<string> {
  const p = stdoutPaint();
  const meta = r.cmd.meta;
  const isRoot = r.path.length === 0;
  const name = commandName(r, rootName);
  const own = Object.fromEntries(
    Object.entries(r.cmd.args ?? {}).filter(([k]) => !(k in globalArgs)),
  ) as OptionsDef;
  const positionals = Object.entries(own).filter(([, d]) => d.type === "positional");
  const subs: Record<string, { meta: { description: string } }> = {};
  for (const n of subCommandNames(r.cmd)) subs[n] = (await subCommand(r.cmd, n))!;
  const defaultSub = r.cmd.default;
  const heading = (s: string) => ["", p.bold(s)];
  const out: string[] = [];

  const title = isRoot && meta.version ? `${name} ${meta.version}` : name;
  out.push(`${p.bold(title)} - ${meta.description}`);

  const usage = [name];
  if (Object.keys(subs).length) usage.push(defaultSub ? "[<command>]" : "<command>");
  for (const [n, d] of positionals) {
    usage.push(d.required === false || d.default !== undefined ? `[<${n}>]` : `<${n}>`);
  }
  usage.push("[options]");
  out.push(...heading("USAGE"), `  ${usage.join(" ")}`);

  if (positionals.length) {
    out.push(...heading("ARGUMENTS"));
    out.push(
      ...definitions(
        positionals.map(([n, d]) => [`<${n}>`, d.description ?? ""]),
        p.cyan,
      ),
    );
  }
  if (Object.keys(subs).length) {
    const rows: [string, string][] = [];
    for (const [n, sub] of Object.entries(subs)) {
      rows.push([n, `${sub.meta.description}${n === defaultSub ? " (default)" : ""}`]);
    }
    out.push(...heading("COMMANDS"), ...definitions(rows, p.cyan));
  }
  const ownOptions = optionRows(own);
  if (ownOptions.length) out.push(...heading("OPTIONS"), ...definitions(ownOptions, p.cyan));
  const globals = optionRows({ ...globalArgs, ...builtinArgs, ...(isRoot ? rootOnlyArgs : {}) });
  out.push(...heading("GLOBAL OPTIONS"), ...definitions(globals, p.cyan));

  const help = r.cmd.help ?? {};
  if (help.examples?.length) {
    out.push(...heading("EXAMPLES"), ...help.examples.map((e) => `  ${e}`));
  }
  if (help.notes?.length) {
    out.push(...heading("NOTES"));
    for (const note of help.notes) out.push(...wrap(note, WIDTH - 2).map((l) => `  ${l}`));
  }
  const codes = EXIT_CODE_HELP.map(([code, text]): [string, string] => [
    String(code),
    code === 1 && help.exit1 ? help.exit1 : text,
  ]);
  out.push(...heading("EXIT CODES"), ...definitions(codes, (s) => s));
  if (Object.keys(subs).length) {
    out.push("", `Run '${name} <command> --help' for a command's options.`);
  }
  return `${out.join("\n")}\n`;
}
