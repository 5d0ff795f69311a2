import { describeError, isEventLogError, PASSING_CODES } from "../errors.ts";
import type { EventStore } from "../store/event-store.ts";
import { TIMELINE_CURSOR } from "./projection-home.ts";
import { catchUpTimelines, holdsTimelineProjection } from "./timeline-projection.ts";

/** After a failed step the next waits this long, doubling up to BACKOFF_MAX_MS. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

/**
 * Keeps the stored timeline projection up to date from a writer's idle moments (a follower
 * that has caught up with its file, the plugin's writer with nothing to commit): `budget`
 * events a step at most, so what the writer waits for next waits little, and never waiting
 * for a write lock another connection holds. `timeline` then reads only what landed since the
 * last step instead of folding the whole log on its first call. Never throws: after a failure
 * the steps pause (1 s, doubling up to a minute); one that passes by itself (a lock, a full
 * disk: the writer's own commits say those) is not said, any other is said once (until it
 * changes) and left to `timeline`, which catches the projection up itself.
 */
export class IdleCatchUp {
  private failure: string | undefined;
  private backoffMs = 0;
  private pausedUntil = 0;

  constructor(
    private readonly budget: number,
    private readonly notice: (message: string) => void,
  ) {}

  /** One step of catching up, when the projection is behind the log. */
  step(store: EventStore): void {
    if (store.readonly || !holdsTimelineProjection(store) || Date.now() < this.pausedUntil) return;
    try {
      if (store.getCursor(TIMELINE_CURSOR) >= store.latestSequence()) return;
      store.withBusyTimeout(0, () => catchUpTimelines(store, undefined, this.budget));
      this.failure = undefined;
      this.backoffMs = 0;
    } catch (e) {
      this.backoffMs = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_FIRST_MS, this.backoffMs * 2));
      this.pausedUntil = Date.now() + this.backoffMs;
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
