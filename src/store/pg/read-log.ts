import { isEventLogError } from "../../errors.ts";
import { sleep } from "../../io/sleep.ts";
import {
  applyEvent,
  emptyTimelines,
  type TimelineSet,
  timelineSet,
} from "../../replay/timeline-state.ts";
import type { ReadLog, SourceTimelines } from "../read-log.ts";
import { NOTIFY_CHANNEL } from "./append.ts";
import { type Listener, listen } from "./listen.ts";
import type { PgEventStore } from "./pg-store.ts";

/**
 * A PostgreSQL log as a ReadLog. Timelines are per source, each folded in its source's own
 * order and numbered by its own sequences (they equal that host's local timelines); events
 * written here directly form the source "". New commits are seen through LISTEN/NOTIFY (the
 * append's NOTIFY names the schema it wrote to); a lost listener is reconnected with backoff,
 * and the caller re-reads once after each reconnect, so nothing committed meanwhile is missed.
 * Any number of followers (one signal each) may wait at once; each is woken. `current` gives
 * a source's timelines (the replay layer's pgSourceTimelines), `closeTimelines` lets go of
 * what they read from at close; `verify` folds them here, from the chain-checked events.
 */
export function pgReadLog(
  store: PgEventStore,
  current: (store: PgEventStore, source: string) => Promise<TimelineSet>,
  closeTimelines?: () => void,
): ReadLog {
  const schema = store.schema;
  let listener: Listener | undefined;
  let closing = false;
  // Each notification (and each new listener) is one more generation; a follower, known by its
  // signal, is woken when the generation moved past the one it last saw, so every open
  // follower of this log sees every wake-up.
  let generation = 0;
  const seen = new WeakMap<AbortSignal, number>();
  const waiting = new Set<() => void>();
  const wakeAll = () => {
    generation++;
    for (const wake of waiting) wake();
  };
  const notified = (payload: string) => {
    if (payload.startsWith(`${schema}:`)) wakeAll();
  };
  async function ensureListening(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!listener && !signal.aborted && !closing) {
      try {
        const l = await listen(store.target, NOTIFY_CHANNEL, notified);
        // Closed while connecting: this connection must not keep the process alive.
        if (closing) {
          l.close();
          return;
        }
        listener = l;
        wakeAll();
        l.closed.then(() => {
          if (listener === l) listener = undefined;
          wakeAll();
        });
      } catch (e) {
        if (!isEventLogError(e, "pg_unreachable")) throw e;
        await sleep(backoff, signal);
        backoff = Math.min(5000, backoff * 2);
      }
    }
  }
  return {
    engine: "postgres",
    path: store.path,
    since: (after, filter) => store.since(after, filter),
    latestSequence: () => store.latestSequence(),
    listCursors: () => store.listCursors(),
    eventRange: () => store.eventRange(),
    eventsByKind: () => store.eventsByKind(),
    sources: async () =>
      (await store.sources()).map((s) => ({ source: s.source ?? "", count: s.count })),
    verify: (onProgress) => store.verify(onProgress),
    async timelines({ verify, source }) {
      const names =
        source !== undefined ? [source] : (await store.sources()).map((s) => s.source ?? "");
      const out: SourceTimelines = new Map();
      for (const name of names) {
        if (verify !== true) {
          out.set(name, await current(store, name));
          continue;
        }
        const t = emptyTimelines();
        for await (const e of store.sinceWithOrigin(0, {
          ...(name === "" ? { source: null } : { source: name }),
          verifyChain: true,
        })) {
          applyEvent(t, { ...e, sequence: e.source_sequence ?? e.sequence });
        }
        out.set(name, timelineSet(t));
      }
      return out;
    },
    async waitForCommit(signal) {
      for (;;) {
        if (signal.aborted) return false;
        await ensureListening(signal);
        const last = seen.get(signal);
        if (last === undefined || last < generation) {
          seen.set(signal, generation);
          return true;
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiting.delete(wake);
            signal.removeEventListener("abort", wake);
            resolve();
          };
          waiting.add(wake);
          signal.addEventListener("abort", wake, { once: true });
        });
      }
    },
    async close() {
      closing = true;
      listener?.close();
      try {
        closeTimelines?.();
      } finally {
        await store.close();
      }
    },
  };
}
