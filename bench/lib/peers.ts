/**
 * Peers the benchmarks compare against, installed by the bench itself, never as project
 * dependencies: npm packages into .bench/peers (gitignored), Debian packages with apt-get.
 * A peer that cannot be installed comes back as `{ missing: why }`, for the table to print.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type Peer<T> = { ok: T } | { missing: string };

export const PEERS_DIR = join(import.meta.dir, "../../.bench/peers");

function run(argv: string[]): { code: number; output: string } {
  const proc = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  const output = `${proc.stdout.toString()}${proc.stderr.toString()}`;
  return { code: proc.exitCode ?? 1, output };
}

const lastLine = (s: string) =>
  s
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-1)[0] ?? "no output";

/**
 * `npm install --prefix .bench/peers` of exact `name@version`s (skipped when the first is
 * already there at that version); returns the first package's directory.
 */
export function npmPeer(packages: readonly string[]): Peer<string> {
  const [first] = packages;
  if (!first) return { missing: "no package named" };
  const at = first.lastIndexOf("@");
  const name = first.slice(0, at);
  const version = first.slice(at + 1);
  const dir = join(PEERS_DIR, "node_modules", name);
  const installed = () => {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        version?: string;
      };
      return pkg.version === version;
    } catch {
      return false;
    }
  };
  if (installed()) return { ok: dir };
  mkdirSync(PEERS_DIR, { recursive: true });
  process.stderr.write(`installing ${packages.join(" ")} into .bench/peers ...\n`);
  const npm = run([
    "npm",
    "install",
    "--prefix",
    PEERS_DIR,
    "--no-audit",
    "--no-fund",
    ...packages,
  ]);
  if (npm.code !== 0) return { missing: `npm install ${first} failed: ${lastLine(npm.output)}` };
  return installed() ? { ok: dir } : { missing: `npm install ${first} left no package` };
}

/** The path of `command`, installing Debian's `pkg` with apt-get when it is not there. */
export function debianCommand(command: string, pkg: string): Peer<string> {
  const found = () => Bun.which(command);
  const have = found();
  if (have) return { ok: have };
  if (!existsSync("/usr/bin/apt-get")) return { missing: `${command} not found and no apt-get` };
  process.stderr.write(`installing Debian's ${pkg} (apt-get) ...\n`);
  let apt = run(["apt-get", "install", "-y", "-q", pkg]);
  if (apt.code !== 0) {
    run(["apt-get", "update", "-q"]);
    apt = run(["apt-get", "install", "-y", "-q", pkg]);
  }
  const after = found();
  if (after) return { ok: after };
  return { missing: `apt-get install ${pkg} failed: ${lastLine(apt.output)}` };
}
