import { describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { discoverFmailRoot } from "../../src/fmail/root.ts";
import { tempDir } from "../helpers.ts";

describe("fmail root discovery", () => {
  test("$FMAIL_ROOT wins, relative to cwd", () => {
    const base = realpathSync(tempDir());
    mkdirSync(join(base, "a", ".fmail"), { recursive: true });
    mkdirSync(join(base, "pinned"));
    const cwd = join(base, "a");
    expect(discoverFmailRoot(cwd, { FMAIL_ROOT: join(base, "pinned") })).toEqual({
      root: join(base, "pinned"),
      source: "env",
    });
    expect(discoverFmailRoot(cwd, { FMAIL_ROOT: " ../pinned " }).root).toBe(join(base, "pinned"));
    expect(discoverFmailRoot(cwd, { FMAIL_ROOT: "  " }).source).toBe("fmail");
  });

  test("nearest ancestor holding a .fmail directory, even above a git root", () => {
    const base = realpathSync(tempDir());
    mkdirSync(join(base, ".fmail"));
    mkdirSync(join(base, "repo", ".git"), { recursive: true });
    mkdirSync(join(base, "repo", "src", "deep"), { recursive: true });
    expect(discoverFmailRoot(join(base, "repo", "src", "deep"), {})).toEqual({
      root: base,
      source: "fmail",
    });
  });

  test("a .fmail FILE does not count", () => {
    const base = realpathSync(tempDir());
    mkdirSync(join(base, ".git"));
    mkdirSync(join(base, "sub"));
    writeFileSync(join(base, "sub", ".fmail"), "");
    expect(discoverFmailRoot(join(base, "sub"), {})).toEqual({ root: base, source: "git" });
  });

  test("git root when there is no .fmail", () => {
    const base = realpathSync(tempDir());
    mkdirSync(join(base, ".git"));
    mkdirSync(join(base, "pkg", "lib"), { recursive: true });
    expect(discoverFmailRoot(join(base, "pkg", "lib"), {})).toEqual({ root: base, source: "git" });
  });

  test("a linked worktree (.git file) resolves to the main worktree's root", () => {
    const base = realpathSync(tempDir());
    const main = join(base, "main");
    mkdirSync(join(main, ".git", "worktrees", "wt1"), { recursive: true });
    const wt = join(base, "wt1");
    mkdirSync(join(wt, "src"), { recursive: true });
    writeFileSync(join(wt, ".git"), `gitdir: ${join(main, ".git", "worktrees", "wt1")}\n`);
    expect(discoverFmailRoot(join(wt, "src"), {})).toEqual({ root: main, source: "git" });
    // A relative gitdir is resolved against the worktree.
    writeFileSync(join(wt, ".git"), "gitdir: ../main/.git/worktrees/wt1\n");
    expect(discoverFmailRoot(wt, {}).root).toBe(main);
  });

  test("a .git file that is not a linked worktree keeps its own directory", () => {
    const base = realpathSync(tempDir());
    mkdirSync(join(base, "modules", "sub"), { recursive: true });
    const sub = join(base, "sub");
    mkdirSync(sub);
    writeFileSync(join(sub, ".git"), `gitdir: ${join(base, "modules", "sub")}\n`);
    expect(discoverFmailRoot(sub, {})).toEqual({ root: sub, source: "git" });
  });

  test("falls back to cwd", () => {
    // Assumes no ancestor of the OS temp dir is a git repo or holds a .fmail folder.
    const base = realpathSync(tempDir());
    mkdirSync(join(base, "x", "y"), { recursive: true });
    expect(discoverFmailRoot(join(base, "x", "y"), {})).toEqual({
      root: join(base, "x", "y"),
      source: "cwd",
    });
  });
});
