/**
 * Builds the single-file binary dist/forge-eventlog (Bun.build compile): minified, with
 * bytecode when this Bun can (falls back without it), and prints its size.
 * Usage: bun scripts/compile.ts [--outfile path] [--no-bytecode]
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const argv = process.argv.slice(2);
const outIndex = argv.indexOf("--outfile");
const outfile = resolve(
  root,
  (outIndex >= 0 ? argv[outIndex + 1] : undefined) ?? "dist/forge-eventlog",
);

/**
 * The store loads its SQLite driver with a dynamic import: bun:sqlite under Bun, node:sqlite
 * elsewhere. Bun has no node:sqlite, and the binary always runs on Bun, so the Node adapter
 * is replaced by a stub instead of being bundled.
 */
const bunOnlyDriver: Bun.BunPlugin = {
  name: "bun-only-sqlite-driver",
  setup(build) {
    build.onLoad({ filter: /[\\/]store[\\/]driver-node\.ts$/ }, () => ({
      loader: "ts",
      contents:
        'export const nodeDriver = { open() { throw new Error("node:sqlite is not in this binary"); }, isDriverError: () => false, sqliteCode: () => undefined };',
    }));
  },
};

/** The checkout's commit, fixed into the binary for `--version`. */
function commit(): string {
  const git = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: root });
  return git.exitCode === 0 ? git.stdout.toString().trim() : "";
}

async function build(bytecode: boolean) {
  return Bun.build({
    // The worker threads (the follower's, the plugin's durable writer, verify's integrity check) are entrypoints of
    // their own, so the binary can start them.
    entrypoints: [
      resolve(root, "src/cli/main.ts"),
      resolve(root, "src/follow/prepare-worker.ts"),
      resolve(root, "src/plugin/durable-worker.ts"),
      resolve(root, "src/plugin/fmail-worker.ts"),
      resolve(root, "src/store/integrity-worker.ts"),
    ],
    // Fixed layout: cli/main.js, follow/prepare-worker.js and plugin/durable-worker.js.
    root: resolve(root, "src"),
    target: "bun",
    format: "esm",
    minify: true,
    sourcemap: "none",
    bytecode,
    plugins: [bunOnlyDriver],
    define: {
      "process.env.NODE_ENV": JSON.stringify("production"),
      "process.env.FORGE_EVENTLOG_BUILD_COMMIT": JSON.stringify(commit()),
    },
    compile: {
      outfile,
      // The binary runs in operators' directories: it must not pick up their .env or bunfig.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
  });
}

function failed(result: Awaited<ReturnType<typeof build>>): string | undefined {
  if (result.success) return undefined;
  return result.logs.map((l) => String(l.message ?? l)).join("\n") || "unknown build error";
}

let bytecode = !argv.includes("--no-bytecode");
let result = await build(bytecode).catch((e: unknown) => ({ success: false, logs: [e] }) as never);
if (failed(result) && bytecode) {
  console.error(`bytecode build failed, building without bytecode:\n${failed(result)}`);
  bytecode = false;
  result = await build(false);
}
const error = failed(result);
if (error) {
  console.error(`build failed:\n${error}`);
  process.exit(1);
}
const mib = (statSync(outfile).size / 1024 / 1024).toFixed(1);
console.log(`built ${outfile} (${mib} MiB${bytecode ? ", bytecode" : ""})`);
