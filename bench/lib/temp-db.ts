import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory for one benchmark's database files, removed by `cleanup`. */
export function tempDir(label: string): { file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `forge-eventlog-bench-${label}-`));
  return {
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
