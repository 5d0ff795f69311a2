/**
 * A full collection now, where the runtime offers one (Bun). JavaScriptCore lets a busy heap
 * grow with what was parsed before it collects; a long read calls this every so many rows to
 * keep its peak flat. Other runtimes have no such hook and need none.
 */
export const collectGarbage = (): void =>
  (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
