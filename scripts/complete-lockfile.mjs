// Restores package-lock entries npm leaves out when the registry it reaches lacks a
// platform's optional binary (this workplace's mirror serves only some of
// @biomejs/cli-* and @deno/*). npm ci then refuses the lock as out of sync. Each restored
// entry carries os/cpu/libc, so npm ci skips it on other platforms without fetching it.
// Run after `npm install`: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORM = /(?:cli-)?(android|darwin|linux|win32|freebsd)-(x64|arm64)(?:-(musl|glibc))?$/;
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const m = PLATFORM.exec(name);
    if (lock.packages[key] || !m) continue;
    const [, os, cpu, libc] = m;
    lock.packages[key] = {
      version,
      cpu: [cpu],
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc: [libc] } : {}),
      optional: true,
      os: [os],
    };
    added++;
    console.log(`restored ${key}@${version} (from ${path || "root"})`);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${added} entries restored`);
