import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "../helpers.ts";

const REPO = resolve(import.meta.dir, "../..");

/** The README's library example, exactly as the README shows it. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Using the plugin from a runner"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README has no ts example under 'Using the plugin from a runner'");
  return block;
}

async function run(cmd: string[], cwd: string): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${out}\n${err}`);
  return out;
}

test("the README's library example runs as written in a project that installs the package", async () => {
  const dir = tempDir();
  const packed = (await run(["npm", "pack", "--pack-destination", dir, "--silent"], REPO)).trim();
  const consumer = join(dir, "consumer");
  await run(["mkdir", "-p", consumer], dir);
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "forge-eventlog": `file:../${packed.split("\n").pop()}` },
    }),
  );
  await run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"], consumer);
  writeFileSync(join(consumer, "forge-eventlog.config.json"), JSON.stringify({ mirror: true }));
  writeFileSync(join(consumer, "runner.ts"), readmeExample());
  await run([process.execPath, "runner.ts"], consumer);

  const jsonl = readFileSync(join(consumer, "docs/ops/loop-runner-events.jsonl"), "utf8");
  const kinds = jsonl
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l).kind);
  expect(kinds).toEqual(["tick_start", "worker_started"]);
  const db = new Database(join(consumer, ".forge/events.db"), { readonly: true });
  const rows = db.query("SELECT kind FROM events ORDER BY sequence").all() as { kind: string }[];
  db.close();
  expect(rows.map((r) => r.kind)).toEqual(["tick.started", "task.planned", "task.dispatched"]);
}, 180_000);
