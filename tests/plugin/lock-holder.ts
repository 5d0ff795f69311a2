/** Another process holding the database's write lock until `release()` (or `kill()`). */
import { expect } from "bun:test";
import { join } from "node:path";

const FIXTURES = join(import.meta.dir, "../fixtures");

export async function lockHolder(db: string) {
  const holder = Bun.spawn([process.execPath, join(FIXTURES, "store-lock-holder.ts"), db], {
    stdin: "pipe",
    stdout: "pipe",
  });
  const reader = holder.stdout.getReader();
  const line = async () => new TextDecoder().decode((await reader.read()).value);
  expect(await line()).toContain("locked");
  return {
    release: async () => {
      holder.stdin.write("release\n");
      await holder.stdin.flush();
      expect(await line()).toContain("released");
      await holder.exited;
    },
    kill: async () => {
      holder.kill(9);
      await holder.exited;
    },
  };
}
