import { describeError } from "../errors.ts";
import {
  catchUpTimelines,
  holdsTimelineProjection,
  TIMELINE_CURSOR,
} from "../replay/timeline-projection.ts";
import type { EventStore } from "../store/event-store.ts";

/**
 * Events folded per idle poll: about a tenth of a second on the 2-core machine, so a line
 * written meanwhile waits little longer than the poll.
 */
const IDLE_FOLD_EVENTS = 20_000;

/**
 * Keeps the stored timeline projection up to date while a follower has caught up with its
 * file, a slice at every poll that finds no new line, so `timeline` on a followed log reads
 * only what landed since the last poll instead of folding the whole log on its first call.
 * Never throws: a failure is said once (until it changes) and left to `timeline`, which
 * catches the projection up itself.
 */
export class IdleProjection {
  private failure: string | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly notice: (message: string) => void,
  ) {}

  /** One slice of catching up, when the projection is behind the log. */
  step(): void {
    if (this.store.readonly || !holdsTimelineProjection(this.store)) return;
    try {
      if (this.store.getCursor(TIMELINE_CURSOR) >= this.store.latestSequence()) return;
      catchUpTimelines(this.store, undefined, IDLE_FOLD_EVENTS);
      this.failure = undefined;
    } catch (e) {
      const why = describeError(e);
      if (why !== this.failure) {
        this.notice(
          `could not bring the timeline projection of ${this.store.path} up to date while idle (${why}); 'forge-eventlog timeline' does it when it runs`,
        );
      }
      this.failure = why;
    }
  }
}
