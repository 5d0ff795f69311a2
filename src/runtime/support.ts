/**
 * Which JavaScript runtimes can run forge-eventlog: those with a built-in SQLite. Bun has
 * bun:sqlite, Deno (>= 2.2) and Node.js (>= 22.13, unflagged) have node:sqlite.
 */
export const SUPPORTED_RUNTIMES = "Bun >= 1.3 or Deno >= 2.2";

/** How to get a runtime that works, for the one line a user reads. */
export const GET_A_RUNTIME = "install Bun (npm install -g bun, or https://bun.sh)";

type NodeProcess = { getBuiltinModule?: (id: string) => unknown; version: string };

/** Undefined when this runtime can run forge-eventlog, else the one line saying why not. */
export function unsupportedRuntime(): string | undefined {
  if ("Bun" in globalThis || "Deno" in globalThis) return undefined;
  const node = globalThis.process as unknown as NodeProcess | undefined;
  try {
    if (node?.getBuiltinModule?.("node:sqlite")) return undefined;
  } catch {
    // Node.js 22.5-22.12 has node:sqlite only behind --experimental-sqlite.
  }
  const here = node ? `Node.js ${node.version}, which has no node:sqlite` : "this runtime";
  return `forge-eventlog needs ${SUPPORTED_RUNTIMES} (a built-in SQLite); this is ${here}: ${GET_A_RUNTIME}`;
}
