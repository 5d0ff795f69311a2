import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "../helpers.ts";

/** The script `completion <shell>` prints, saved to a file the shell sources. */
async function script(shell: string): Promise<string> {
  const r = await cli(["completion", shell]);
  expect(r.code).toBe(0);
  const file = join(tempDir(), `completion.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

async function sh(cmd: string[]): Promise<string[]> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0 || err !== "") throw new Error(`${cmd.join(" ")}: exit ${code}\n${err}`);
  return out.split(/\s+/).filter(Boolean);
}

/** What bash offers after the words typed so far (the last one being completed). */
async function bash(file: string, typed: string[]): Promise<string[]> {
  const words = typed.map((w) => `'${w}'`).join(" ");
  return sh([
    "bash",
    "-c",
    `source '${file}'; COMP_WORDS=(${words}); COMP_CWORD=${typed.length - 1}; _forge_eventlog; echo "\${COMPREPLY[@]}"`,
  ]);
}

/** What zsh's completion function hands compadd (compadd itself filters by the prefix). */
async function zsh(file: string, typed: string[]): Promise<string[]> {
  const words = typed.map((w) => `'${w}'`).join(" ");
  return sh([
    "zsh",
    "-fc",
    `compdef() {}; _files() {}; compadd() { [[ $1 == -a ]] && print -l -- \${(P)2} }
source '${file}'; words=(${words}); CURRENT=${typed.length}; PREFIX='${typed.at(-1)}'; _forge_eventlog`,
  ]);
}

async function fish(file: string, line: string): Promise<string[]> {
  return sh(["fish", "-c", `source '${file}'; complete -C'${line}'`]);
}

describe("completion", () => {
  test("bash completes commands, sub-commands and each command's options", async () => {
    const file = await script("bash");
    expect(await bash(file, ["forge-eventlog", "qua"])).toEqual(["quarantine"]);
    expect(await bash(file, ["forge-eventlog", "cursors", "s"])).toEqual(["set"]);
    expect(await bash(file, ["forge-eventlog", "replay", "--fo"])).toEqual([
      "--follow",
      "--format",
    ]);
    expect(await bash(file, ["forge-eventlog", "--db", "x.db", "tail", "--si"])).toEqual([
      "--since",
    ]);
  });

  test("zsh offers the same words at each place", async () => {
    const file = await script("zsh");
    const top = await zsh(file, ["forge-eventlog", ""]);
    expect(top).toContain("quarantine");
    expect(top).toContain("doctor");
    const cursors = await zsh(file, ["forge-eventlog", "cursors", "s"]);
    expect(cursors).toContain("set");
    expect(cursors).not.toContain("quarantine");
    expect(await zsh(file, ["forge-eventlog", "replay", "--"])).toContain("--follow");
  });

  test("fish completes commands, sub-commands and options", async () => {
    const file = await script("fish");
    expect(await fish(file, "forge-eventlog qua")).toEqual(["quarantine"]);
    expect(await fish(file, "forge-eventlog cursors s")).toEqual(["set"]);
    expect(await fish(file, "forge-eventlog replay --fo")).toEqual(["--follow", "--format"]);
  });

  test("another shell is a usage error", async () => {
    const r = await cli(["completion", "tcsh"]);
    expect(r).toMatchObject({
      code: 2,
      stderr: 'error: completion takes bash, zsh or fish (got "tcsh")\n',
    });
  });
});
