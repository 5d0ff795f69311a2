import { sleep } from "../io/sleep.ts";
import {
  applyEvent,
  emptyTimelines,
  type TimelineSet,
  type Timelines,
  timelineSet,
} from "../replay/timeline-state.ts";
import type { CursorRow } from "./cursors.ts";
import type { EventStore } from "./event-store.ts";
import type { SinceFilter } from "./read.ts";
import type { StoredEvent } from "./record.ts";
import type { EventRange } from "./stats.ts";
import type { VerifyReport } from "./verify.ts";

/** A log's timelines: one entry per source log (a SQLite file is one source, named ""). */
export type SourceTimelines = Map<string, TimelineSet>;

/**
 * What the read commands (replay, tail, timeline, stats, cursors, export, verify) need from a
 * log, whatever its engine: a SQLite file or a PostgreSQL log shared by a fleet. Every call is
 * async (the SQLite adapter just wraps the synchronous store).
 */
export interface ReadLog {
  readonly engine: "sqlite" | "postgres";
  /** How messages name it: a file path, or a URL without its password. */
  readonly path: string;
  /** The SQLite store itself, for what only a file has (sizes, conflicts, key counts). */
  readonly store?: EventStore;
  since(after: number, filter?: SinceFilter & { source?: string }): AsyncIterable<StoredEvent>;
  latestSequence(): Promise<number>;
  listCursors(): Promise<CursorRow[]>;
  eventRange(): Promise<EventRange>;
  eventsByKind(): Promise<{ kind: string; count: number }[]>;
  /** Source logs with their event counts ([] for a SQLite file). */
  sources(): Promise<{ source: string; count: number }[]>;
  verify(onProgress?: (checked: number) => void): Promise<VerifyReport>;
  /**
   * Timelines per source; `source` picks one. `verify` rebuilds from sequence 0 over
   * chain-checked events; otherwise SQLite reads its stored projection.
   */
  timelines(options: { verify?: boolean; source?: string }): Promise<SourceTimelines>;
  /**
   * Resolves when another session may have committed since the last call (a SQLite file's
   * data_version moved; PostgreSQL's NOTIFY), at once on the first call; false when `signal`
   * aborted. Each signal is one follower with its own "last call": several followers of one
   * log (one per open page) are each woken.
   */
  waitForCommit(signal: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}

/** Folds every event of `events` (in order) into fresh timelines. */
export async function foldTimelines(events: AsyncIterable<StoredEvent>): Promise<Timelines> {
  const t = emptyTimelines();
  for await (const e of events) applyEvent(t, e);
  return t;
}

/**
 * A SQLite file as a ReadLog. `projection.current` gives its stored timelines (the projection
 * module, passed in so this file stays below the replay layer), `projection.close` lets go of
 * what it opened besides the store. Commits by others are seen through `data_version`, checked
 * every `intervalMs`.
 */
export function sqliteReadLog(
  store: EventStore,
  projection: { current: (store: EventStore) => TimelineSet; close?: () => void },
  intervalMs = 200,
): ReadLog {
  // A follower's first call returns at once, so it reads what is there before it waits.
  const seen = new WeakMap<AbortSignal, number>();
  return {
    engine: "sqlite",
    path: store.path,
    store,
    async *since(after, filter) {
      yield* store.since(after, filter);
    },
    latestSequence: async () => store.latestSequence(),
    listCursors: async () => store.listCursors(),
    eventRange: async () => store.eventRange(),
    eventsByKind: async () => store.eventsByKind(),
    sources: async () => [],
    verify: (onProgress) => store.verifyConcurrently(onProgress),
    async timelines({ verify }) {
      const t = verify
        ? timelineSet(await foldTimelines(this.since(0, { verifyChain: true })))
        : projection.current(store);
      return new Map([["", t]]);
    },
    async waitForCommit(signal) {
      while (!signal.aborted) {
        const version = store.dataVersion();
        if (version !== seen.get(signal)) {
          seen.set(signal, version);
          return true;
        }
        await sleep(intervalMs, signal);
      }
      return false;
    },
    async close() {
      try {
        projection.close?.();
      } finally {
        store.close();
      }
    },
  };
}
