import type { DriverModule, DriverName } from "./driver.ts";

/** The adapter for the running runtime: bun:sqlite under Bun, node:sqlite elsewhere. */
export async function loadDriver(name?: DriverName): Promise<DriverModule> {
  const chosen = name ?? (typeof globalThis.Bun === "undefined" ? "node:sqlite" : "bun:sqlite");
  if (chosen === "bun:sqlite") return (await import("./driver-bun.ts")).bunDriver;
  return (await import("./driver-node.ts")).nodeDriver;
}
