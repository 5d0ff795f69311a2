import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * A project outside the checkout installs the package from `npm pack` output, as a user
 * would, and uses it on every runtime: Bun and Deno run the README's example, its own tsc
 * type-checks the milestones with a NodeNext and a Bun-style config, Node.js 20 (no
 * node:sqlite) fails at import with one line, and the installed bin runs or says which
 * runtime it needs.
 */

const REPO = resolve(import.meta.dir, "../..");
const BIN = join(REPO, "node_modules/.bin");
const DENO = join(BIN, "deno");
const TSC = join(BIN, "tsc");
const NODE = "/usr/bin/node";
const NEEDS = "forge-eventlog needs Bun >= 1.3 or Deno >= 2.2";

/** The README's library example, exactly as the README shows it. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Using the plugin from a runner"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README has no ts example under 'Using the plugin from a runner'");
  return block;
}

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function spawn(cmd: string[], cwd: string, env?: Record<string, string>): Promise<Ran> {
  const proc = Bun.spawn(cmd, {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: env ?? (process.env as Record<string, string>),
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, out, err };
}

async function run(cmd: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  const r = await spawn(cmd, cwd, env);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}:\n${r.out}\n${r.err}`);
  return r.out;
}

let dir = "";
let consumer = "";
let tarball = "";

// One installed consumer for every test of the file (tempDir's are removed after each test).
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fel-consumer-"));
  const packed = await run(["npm", "pack", "--pack-destination", dir, "--silent"], REPO);
  tarball = join(dir, packed.trim().split("\n").pop()!);
  consumer = join(dir, "consumer");
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "forge-eventlog": `file:${tarball}` },
    }),
  );
  await run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);
  // The consumer's own type packages (its tsc needs Node's and Bun's declarations).
  symlinkSync(join(REPO, "node_modules/@types"), join(consumer, "node_modules/@types"));
  writeFileSync(join(consumer, "forge-eventlog.config.json"), JSON.stringify({ mirror: true }));
  writeFileSync(join(consumer, "runner.ts"), readmeExample());
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectExampleRan(dir: string): void {
  const jsonl = readFileSync(join(dir, "docs/ops/loop-runner-events.jsonl"), "utf8");
  const kinds = jsonl
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l).kind);
  expect(kinds).toEqual(["tick_start", "worker_started"]);
  const db = new Database(join(dir, ".forge/events.db"), { readonly: true });
  const rows = db.query("SELECT kind FROM events ORDER BY sequence").all() as { kind: string }[];
  db.close();
  expect(rows.map((r) => r.kind)).toEqual(["tick.started", "task.planned", "task.dispatched"]);
}

function freshOutputs(): void {
  rmSync(join(consumer, "docs"), { recursive: true, force: true });
  rmSync(join(consumer, ".forge"), { recursive: true, force: true });
}

describe("a project that installs the npm pack tarball", () => {
  test("the tarball holds the built JS, its .d.ts and the docs, not tests, bench or CI", async () => {
    const listing = await run(["tar", "-tzf", tarball], REPO);
    const files = listing.trim().split("\n");
    expect(files).toContain("package/dist/lib/src/index.js");
    expect(files).toContain("package/dist/lib/src/index.d.ts");
    expect(files).toContain("package/dist/lib/src/cli/launch.js");
    expect(files).toContain("package/contrib/forge-eventlog-mirror.service");
    expect(files).toContain("package/README.md");
    const stray = files.filter((f) => /^package\/(tests|bench|scripts|\.ci|src)\//.test(f));
    expect(stray).toEqual([]);
    expect(files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toBe(false);
  });

  test("the README's library example runs under Bun", async () => {
    freshOutputs();
    await run([process.execPath, "runner.ts"], consumer);
    expectExampleRan(consumer);
  }, 120_000);

  test("the README's library example runs under Deno, from the consumer's own directory", async () => {
    freshOutputs();
    await run([DENO, "run", "-A", "runner.ts"], consumer);
    expectExampleRan(consumer);
  }, 120_000);

  test("Deno imports it as npm:forge-eventlog from a project of its own (deno.json, no package.json)", async () => {
    const elsewhere = join(dir, "deno-project");
    mkdirSync(elsewhere);
    writeFileSync(
      join(elsewhere, "deno.json"),
      JSON.stringify({
        nodeModulesDir: "auto",
        // The unpublished package from the tarball; once published, the imports line alone.
        links: [join(consumer, "node_modules/forge-eventlog")],
        imports: { "forge-eventlog": "npm:forge-eventlog@0.1.0" },
      }),
    );
    writeFileSync(join(elsewhere, "forge-eventlog.config.json"), JSON.stringify({ mirror: true }));
    writeFileSync(join(elsewhere, "runner.ts"), readmeExample());
    await run([DENO, "run", "-A", "runner.ts"], elsewhere);
    expectExampleRan(elsewhere);
  }, 180_000);

  for (const [style, options] of [
    ["NodeNext", { module: "NodeNext", moduleResolution: "NodeNext", types: ["node"] }],
    [
      "Bun-style (bundler resolution)",
      {
        module: "Preserve",
        moduleResolution: "bundler",
        allowImportingTsExtensions: true,
        types: ["bun"],
      },
    ],
  ] as const) {
    test(`its own tsc type-checks the milestones strictly with a ${style} config`, async () => {
      const checks = readFileSync(join(REPO, "tests/plugin/milestones.typecheck.ts"), "utf8");
      const consumerChecks = checks.replace('"../../src/index.ts"', '"forge-eventlog"');
      expect(consumerChecks).toContain('from "forge-eventlog"');
      writeFileSync(join(consumer, "milestones.ts"), consumerChecks);
      const config = {
        compilerOptions: {
          target: "ES2023",
          lib: ["ES2023"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          ...options,
        },
        files: ["milestones.ts", "runner.ts"],
      };
      writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify(config));
      await run([TSC, "-p", "tsconfig.json"], consumer);
      // A wrong milestone is an error in the consumer too (the checks are not vacuous).
      writeFileSync(
        join(consumer, "milestones.ts"),
        'import { loadRunnerPlugins } from "forge-eventlog";\nconst { hooks } = await loadRunnerPlugins();\nhooks.onTick({ kind: "tick_start", tick: "seven", issues: [] });\n',
      );
      const wrong = await spawn([TSC, "-p", "tsconfig.json"], consumer);
      expect(wrong.code).not.toBe(0);
      expect(wrong.out).toContain("milestones.ts(3,");
    }, 120_000);
  }

  test("on Node.js 20 (no node:sqlite) the import fails with one line naming the runtimes that work", async () => {
    writeFileSync(join(consumer, "node-runner.mjs"), 'import "forge-eventlog";\n');
    const r = await spawn([NODE, "node-runner.mjs"], consumer);
    expect(r.code).toBe(1);
    const line = r.err.split("\n").find((l) => l.includes(NEEDS));
    expect(line).toContain("this is Node.js v20");
    expect(line).toContain("install Bun");
  });

  test("the installed bin runs on Node.js through Bun from PATH", async () => {
    const bin = join(consumer, "node_modules/.bin/forge-eventlog");
    const env = { PATH: `${BIN}:/usr/bin:/bin`, NO_COLOR: "1" };
    const version = await run([bin, "--version"], consumer, env);
    expect(version).toMatch(/^forge-eventlog 0\.1\.0/);
    const missing = await spawn([bin, "stats", "--db", "nope.db"], consumer, env);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no database at");
  });

  test("the installed bin, with neither Bun nor Deno on PATH, says in one line what to install", async () => {
    const bin = join(consumer, "node_modules/.bin/forge-eventlog");
    const r = await spawn([bin, "--version"], consumer, { PATH: "/usr/bin:/bin" });
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toEqual([
      expect.stringContaining(`error: ${NEEDS}`) as unknown as string,
    ]);
    expect(r.err).toContain("npm install -g bun");
  });
});
