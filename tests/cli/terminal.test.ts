import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, MAIN, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs the CLI on a real pseudo-terminal (util-linux `script`), as a person at a shell. */
async function onTerminal(args: string[], env: Record<string, string>) {
  const command = [process.execPath, MAIN, ...args].map(shellQuote).join(" ");
  const proc = Bun.spawn(["script", "-qec", command, "/dev/null"], {
    env: { ...process.env, NO_COLOR: "1", TERM: "xterm", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { code, stdout };
}

describe("the pager", () => {
  test("on a terminal the table goes through $PAGER; --no-pager and a pipe print it straight", async () => {
    const dir = tempDir();
    const db = await makeDb(join(dir, "events.db"));
    const paged = join(dir, "paged.txt");
    const env = { PAGER: `cat > ${shellQuote(paged)}` };
    const r = await onTerminal(["replay", "--db", db], env);
    expect(r.code).toBe(0);
    const table = readFileSync(paged, "utf8").split("\n");
    expect(table[0]).toStartWith("SEQ  TIME (");
    expect(table).toHaveLength(12); // header, 10 events, the final newline
    expect(r.stdout).not.toContain("task.planned");

    const direct = join(dir, "direct.txt");
    const unpaged = await onTerminal(["replay", "--db", db, "--no-pager"], {
      PAGER: `cat > ${shellQuote(direct)}`,
    });
    expect(unpaged.stdout).toContain("task.planned");
    expect(existsSync(direct)).toBe(false);

    const piped = await cli(["replay", "--db", db], {
      env: { PAGER: `cat > ${shellQuote(direct)}` },
    });
    expect(piped.stdout).toContain("task.planned");
    expect(existsSync(direct)).toBe(false);
  });
});

test("timeline's table goes through $PAGER on a terminal too; --json never does", async () => {
  const dir = tempDir();
  const db = await makeDb(join(dir, "events.db"));
  const paged = join(dir, "paged.txt");
  const env = { PAGER: `cat > ${shellQuote(paged)}` };
  const r = await onTerminal(["timeline", "--db", db], env);
  expect(r.code).toBe(0);
  expect(readFileSync(paged, "utf8")).toStartWith("ISSUE ");
  expect(r.stdout).not.toContain("ISSUE ");
  const json = join(dir, "json.txt");
  const j = await onTerminal(["timeline", "--db", db, "--json"], {
    PAGER: `cat > ${shellQuote(json)}`,
  });
  expect(j.stdout).toContain('"issue":');
  expect(existsSync(json)).toBe(false);
});

describe("colour", () => {
  test("FORCE_COLOR colours piped output; without it (or with NO_COLOR) a pipe gets none", async () => {
    const dir = tempDir();
    const db = await makeDb(join(dir, "events.db"));
    const forced = await cli(["replay", "--db", db], {
      env: { FORCE_COLOR: "1", NO_COLOR: undefined },
    });
    expect(forced.stdout.split("\n")[0]).toStartWith("\u001b[1mSEQ");
    const plain = await cli(["replay", "--db", db], { env: { NO_COLOR: undefined } });
    expect(plain.stdout).not.toContain("\u001b[");
    const off = await cli(["replay", "--db", db], {
      env: { FORCE_COLOR: "0", NO_COLOR: undefined },
    });
    expect(off.stdout).not.toContain("\u001b[");
  });
});
