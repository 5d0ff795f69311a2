import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `bun 1.3.14`, `deno 2.9.6` or `node v22.13.0`: the runtime this process runs on. */
export function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

/**
 * The commit this build came from: fixed into the compiled binary by scripts/compile.ts, else
 * asked of git when running from a checkout; undefined for an installed package.
 */
function buildCommit(): string | undefined {
  const fixed = process.env.FORGE_EVENTLOG_BUILD_COMMIT;
  if (fixed) return fixed;
  if (!import.meta.url.startsWith("file:")) return undefined;
  const here = fileURLToPath(new URL(".", import.meta.url));
  if (!existsSync(fileURLToPath(new URL("../../.git", import.meta.url)))) return undefined;
  const git = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], {
    cwd: here,
    encoding: "utf8",
  });
  return git.status === 0 ? git.stdout.trim() : undefined;
}

/** What `--version` prints: `forge-eventlog 0.1.0 (bun 1.3.14, commit 4a5ee52c1d2e)`. */
export function versionLine(name: string, version: string): string {
  const commit = buildCommit();
  return `${name} ${version} (${runtimeName()}${commit ? `, commit ${commit}` : ""})`;
}
