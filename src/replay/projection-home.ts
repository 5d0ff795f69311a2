import { EventLogError } from "../errors.ts";
import type { EventStore } from "../store/event-store.ts";
import type { HaltRow } from "../store/projection-state.ts";

/** The cursor of the timeline projection stored in the log itself. */
export const TIMELINE_CURSOR = "timeline";

/**
 * Where the timeline projection keeps its state and cursor: the log's own database, or a
 * cache file beside nothing (timeline-cache.ts) for a log it may not be stored in. The state
 * is written only inside `transaction`, the cursor with it, so a crash leaves both together.
 */
export interface ProjectionHome {
  /** Where the state is, for messages. */
  readonly path: string;
  /** The error for a stored task row that does not parse (a cache empties itself first). */
  damaged(issue: number): EventLogError;
  cursor(): number;
  /** To `sequence`: forward, or back with `rewind` (a rebuild from 0). */
  moveCursor(sequence: number, rewind?: boolean): void;
  loadTimelineLoop(): string | null;
  loadTimelineTask(issue: number): string | null;
  storedTimelineTasks(): Iterable<[issue: number, stateJson: string]>;
  storedTimelineHalts(): Iterable<HaltRow>;
  clearTimelineState(): void;
  saveTimelineState(
    tasks: Iterable<[issue: number, stateJson: string]>,
    loopJson: string,
    halts: Iterable<HaltRow>,
  ): void;
  transaction<T>(fn: () => T, doing: string): T;
}

/** The projection stored in the log's own database, under its `timeline` cursor. */
export function logHome(store: EventStore): ProjectionHome {
  return {
    path: store.path,
    damaged: (issue) =>
      new EventLogError(
        "db_corrupt",
        `the timeline projection in ${store.path} holds a damaged row for issue ${issue}; rebuild it with 'forge-eventlog cursors set timeline 0 --rewind', or fold from the log alone with 'forge-eventlog timeline --verify'`,
      ),
    cursor: () => store.getCursor(TIMELINE_CURSOR),
    moveCursor: (sequence, rewind) =>
      rewind
        ? store.setCursor(TIMELINE_CURSOR, sequence, { rewind: true })
        : store.advanceCursor(TIMELINE_CURSOR, sequence),
    loadTimelineLoop: () => store.loadTimelineLoop(),
    loadTimelineTask: (issue) => store.loadTimelineTask(issue),
    storedTimelineTasks: () => store.storedTimelineTasks(),
    storedTimelineHalts: () => store.storedTimelineHalts(),
    clearTimelineState: () => store.clearTimelineState(),
    saveTimelineState: (tasks, loopJson, halts) => store.saveTimelineState(tasks, loopJson, halts),
    transaction: (fn, doing) => store.transaction(fn, doing),
  };
}
