import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A fresh temp directory, removed by `cleanupTempDirs()`. */
export function tempDir(prefix = "fmail-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A clock that starts at `iso` and moves `stepMs` forward on every call. */
export function steppingClock(iso: string, stepMs: number): () => Date {
  let t = Date.parse(iso) - stepMs;
  return () => {
    t += stepMs;
    return new Date(t);
  };
}

/** IDs `<prefix>-0001`, `<prefix>-0002`, ... */
export function sequentialIds(prefix: string): (time: Date) => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(4, "0")}`;
}
