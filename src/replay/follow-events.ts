import { sleep } from "../io/sleep.ts";
import type { EventStore } from "../store/event-store.ts";
import type { SinceFilter } from "../store/read.ts";
import type { StoredEvent } from "../store/record.ts";

export interface FollowOptions {
  /** Events with a sequence above this one. */
  after: number;
  filter?: SinceFilter;
  /** How often to look at the database's data version. */
  intervalMs: number;
  signal: AbortSignal;
}

export interface FollowSink {
  /** A sink that returns nothing is called without yielding mid-read (a shared store is safe). */
  event(e: StoredEvent): void | Promise<void>;
  /** After each batch of new events (flush, write a keep-alive). */
  caughtUp?(): void | Promise<void>;
}

/**
 * Follows a store as events land, until `signal` aborts: reads again only when SQLite's data
 * version moved, never past the head seen when the read began. Returns the last sequence
 * handed on (or `after`).
 */
export async function followEvents(
  store: EventStore,
  options: FollowOptions,
  sink: FollowSink,
): Promise<number> {
  let after = options.after;
  let seen = -1;
  const { signal } = options;
  while (!signal.aborted) {
    const version = store.dataVersion();
    if (version !== seen) {
      seen = version;
      const head = store.latestSequence();
      for (const e of store.since(after, options.filter)) {
        if (e.sequence > head) break;
        const pending = sink.event(e);
        if (pending) await pending;
        if (signal.aborted) break;
      }
      after = head;
      const flushed = sink.caughtUp?.();
      if (flushed) await flushed;
    }
    await sleep(options.intervalMs, signal);
  }
  return after;
}
