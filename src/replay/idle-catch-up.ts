import { describeError, isEventLogError, PASSING_CODES } from "../errors.ts";
import type { EventStore } from "../store/event-store.ts";
import {
  catchUpTimelines,
  holdsTimelineProjection,
  TIMELINE_CURSOR,
} from "./timeline-projection.ts";

/**
 * Keeps the stored timeline projection up to date from a writer's idle moments (a follower
 * that has caught up with its file, the plugin's writer with nothing to commit): `budget`
 * events a step at most, so what the writer waits for next waits little. `timeline` then
 * reads only what landed since the last step instead of folding the whole log on its first
 * call. Never throws: a failure that passes by itself (a lock, a full disk: the writer's own
 * commits say those) is tried again at the next step; any other is said once (until it
 * changes) and left to `timeline`, which catches the projection up itself.
 */
export class IdleCatchUp {
  private failure: string | undefined;

  constructor(
    private readonly budget: number,
    private readonly notice: (message: string) => void,
  ) {}

  /** One step of catching up, when the projection is behind the log. */
  step(store: EventStore): void {
    if (store.readonly || !holdsTimelineProjection(store)) return;
    try {
      if (store.getCursor(TIMELINE_CURSOR) >= store.latestSequence()) return;
      catchUpTimelines(store, undefined, this.budget);
      this.failure = undefined;
    } catch (e) {
      if (isEventLogError(e) && PASSING_CODES.has(e.code)) return;
      const why = describeError(e);
      if (why !== this.failure) {
        this.notice(
          `could not bring the timeline projection of ${store.path} up to date while idle (${why}); 'forge-eventlog timeline' does it when it runs`,
        );
      }
      this.failure = why;
    }
  }
}
