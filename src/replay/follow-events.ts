import type { SinceFilter } from "../store/read.ts";
import type { ReadLog } from "../store/read-log.ts";
import type { StoredEvent } from "../store/record.ts";

/** What following needs of a log: its events, its head, and a wake-up on others' commits. */
export type FollowLog = Pick<ReadLog, "since" | "latestSequence" | "waitForCommit">;

export interface FollowOptions {
  /** Events with a sequence above this one. */
  after: number;
  /** Which events; `source` picks one runner of a PostgreSQL log. */
  filter?: SinceFilter & { source?: string };
  signal: AbortSignal;
}

export interface FollowSink {
  event(e: StoredEvent): void | Promise<void>;
  /** After each batch of new events (flush, write a keep-alive). */
  caughtUp?(): void | Promise<void>;
}

/**
 * Follows a log as events land, until `signal` aborts: reads again only when the log says
 * another session committed (a SQLite file's data_version, PostgreSQL's NOTIFY), never past
 * the head seen when the read began. Returns the last sequence handed on (or `after`).
 */
export async function followEvents(
  log: FollowLog,
  options: FollowOptions,
  sink: FollowSink,
): Promise<number> {
  let after = options.after;
  const { signal } = options;
  while (await log.waitForCommit(signal)) {
    const head = await log.latestSequence();
    for await (const e of log.since(after, options.filter)) {
      if (e.sequence > head) break;
      await sink.event(e);
      after = e.sequence;
      if (signal.aborted) return after;
    }
    after = Math.max(after, head);
    await sink.caughtUp?.();
  }
  return after;
}
