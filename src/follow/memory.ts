/** Input bytes after which a thread of the backfill asks for a full collection. */
const COLLECT_EVERY = 256 * 1024;

type BunGc = { gc?: (force: boolean) => void };

/**
 * Keeps a long backfill's memory flat. Bun's collector lets short-lived garbage (lines, parsed
 * records, encoded events, hash inputs: several times the input's size) pile up well past the
 * live set before it runs, on each thread; a full collection every 256 KiB of input keeps the
 * peak RSS of a million-line backfill under 150 MB for a few percent of the time. Elsewhere
 * (Node, Deno) it does nothing.
 */
export class GarbageBudget {
  private spentBytes = 0;
  private readonly gc = (globalThis as { Bun?: BunGc }).Bun?.gc;

  constructor(private readonly every = COLLECT_EVERY) {}

  spent(bytes: number): void {
    this.spentBytes += bytes;
    if (this.spentBytes < this.every) return;
    this.spentBytes = 0;
    this.gc?.(true);
  }
}
