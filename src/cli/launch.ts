#!/usr/bin/env node
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { unsupportedRuntime } from "../runtime/support.ts";

/**
 * The installed package's `forge-eventlog` command. npm links it with a `node` shebang, so it
 * starts on whatever the user has: on a runtime with a built-in SQLite it runs the CLI in this
 * process; on one without (Node.js before 22.13) it runs the CLI on Bun or Deno from PATH,
 * passing signals and the exit code through; with neither it prints one line naming the
 * runtime to install, and exits 1.
 */

const MAIN = fileURLToPath(new URL(`./main${import.meta.url.slice(-3)}`, import.meta.url));

function onPath(command: string): boolean {
  const probe = spawnSync(command, ["--version"], { stdio: "ignore" });
  return probe.status === 0;
}

function runOn(command: string[], argv: string[]): void {
  const child = spawn(command[0]!, [...command.slice(1), MAIN, ...argv], { stdio: "inherit" });
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.on(s, () => child.kill(s));
  child.on("exit", (code, signal) => {
    if (signal) {
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

const argv = process.argv.slice(2);
const problem = unsupportedRuntime();
if (problem === undefined) {
  const [{ root }, { runCli }] = await Promise.all([
    import("./main.ts"),
    import("./framework/run.ts"),
  ]);
  process.exitCode = await runCli(root, argv);
} else if (onPath("bun")) {
  runOn(["bun"], argv);
} else if (onPath("deno")) {
  runOn(["deno", "run", "-A"], argv);
} else {
  process.stderr.write(`error: ${problem}\n`);
  process.exitCode = 1;
}
