import { EventLogError } from "../errors.ts";
import type { EventStore } from "../store/event-store.ts";
import type { FollowPosition } from "../store/follow-positions.ts";

/**
 * The position of one followed file in one database, as this process last saved (or found)
 * it. Each batch checks that nobody else moved it: two mirrors of one file into one database
 * would otherwise race on it.
 */
export class PositionKeeper {
  private current: FollowPosition | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly source: string,
  ) {}

  load(): FollowPosition | undefined {
    this.current = this.store.loadFollowPosition(this.source);
    return this.current;
  }

  get saved(): FollowPosition | undefined {
    return this.current;
  }

  /** Inside the batch's transaction, with its events. */
  save(position: FollowPosition): void {
    this.store.saveFollowPosition(position);
    this.current = position;
  }

  /** After a transaction that saved a position rolled back: what is stored is `position` again. */
  rolledBack(position: FollowPosition | undefined): void {
    this.current = position;
  }

  /** Inside the batch's transaction, before anything is written. */
  checkUnmoved(): void {
    const stored = this.store.loadFollowPosition(this.source);
    const mine = this.current;
    const same =
      stored === undefined
        ? mine === undefined
        : mine !== undefined &&
          stored.dev === mine.dev &&
          stored.ino === mine.ino &&
          stored.byteOffset === mine.byteOffset;
    if (!same) {
      throw new EventLogError(
        "follow_conflict",
        `another mirror moved the position of ${this.source} in ${this.store.path} (now byte ${stored?.byteOffset ?? "none"} of ${stored?.reading ?? "nothing"}); run one mirror per file and database`,
      );
    }
  }
}
