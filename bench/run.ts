/**
 * `bun run bench`: runs every bench/*.ts except this one, in turn, in its own process,
 * passing the arguments on (e.g. --json). Exits non-zero if a benchmark crashed.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dir;
const scripts = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .sort();

let failed = 0;
for (const script of scripts) {
  const proc = Bun.spawn([process.execPath, join(here, script), ...process.argv.slice(2)], {
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await proc.exited;
  if (code !== 0) {
    console.error(`bench/${script} exited with ${code}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
