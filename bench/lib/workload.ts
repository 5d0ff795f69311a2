import type { AppendInput } from "../../src/store/record.ts";

/** The events both sides write: runner-like heartbeats with a small payload and all keys set. */
export function heartbeats(count: number, offset = 0): AppendInput[] {
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const issue = i % 97;
    return {
      kind: "task.heartbeat",
      payload: { issue, tick: i >> 4, idle_s: i % 300, stuck_after_s: 600, source: "watchdog" },
      taskId: `issue:${issue}`,
      sagaId: `tick:${i >> 4}`,
      idempotencyKey: `bench:hb:${i}`,
    };
  });
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** The sequences after which each slice of `size` events of a `total`-event log starts. */
export function segments(total: number, size: number): number[] {
  const starts: number[] = [];
  for (let from = 0; from < total; from += size) starts.push(from);
  return starts;
}
