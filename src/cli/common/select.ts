import type { SinceFilter } from "../../store/read.ts";
import type { ReadLog } from "../../store/read-log.ts";
import type { StoredEvent } from "../../store/record.ts";
import type { OptionsDef } from "../framework/command.ts";
import { parseOptionalWhole } from "./options.ts";
import { inWindow, parseWindow, type TimeWindow, windowArgs } from "./time.ts";

/** `--since`, `--until` and `-n`: which of the matching events, by time and by count from the end. */
export const selectArgs = {
  ...windowArgs,
  last: {
    type: "string",
    alias: "n",
    valueHint: "n",
    description: "Only the last n matching events",
  },
} as const satisfies OptionsDef;

export interface Selection {
  window: TimeWindow;
  /** Keep only the last n; undefined = all. */
  last: number | undefined;
}

export function parseSelection(args: { since?: string; until?: string; last?: string }): Selection {
  return { window: parseWindow(args), last: parseOptionalWhole(args.last, "-n/--last") };
}

/**
 * The events after `after` (up to `to`) that pass the store filter and the time window; with
 * `last`, only the last n of them (kept in a ring of n while the rest stream by).
 */
export async function* selectEvents(
  store: Pick<ReadLog, "since">,
  after: number,
  filter: SinceFilter,
  selection: Selection,
  to?: number,
): AsyncGenerator<StoredEvent> {
  if (selection.last === 0) return;
  const pick = new Picker(selection, to);
  for await (const e of store.since(after, readFilter(filter, selection))) {
    const verdict = pick.offer(e);
    if (verdict === "past") break;
    if (verdict) yield e;
  }
  yield* pick.kept();
}

/**
 * `selectEvents` straight from a SQLite store's `since` or `sinceJson`, without an await per
 * event (a long replay spends more on those than on reading): the same events in the same order.
 */
export function* selectStoredEvents<T extends Picked>(
  since: (after: number, filter: SinceFilter) => Iterable<T>,
  after: number,
  filter: SinceFilter,
  selection: Selection,
  to?: number,
): Generator<T> {
  if (selection.last === 0) return;
  const pick = new Picker<T>(selection, to);
  for (const e of since(after, readFilter(filter, selection))) {
    const verdict = pick.offer(e);
    if (verdict === "past") break;
    if (verdict) yield e;
  }
  yield* pick.kept();
}

/** With `last`, every match is read (the limit applies to what is printed, not read). */
function readFilter(filter: SinceFilter, selection: Selection): SinceFilter {
  return selection.last === undefined ? filter : { ...filter, limit: undefined };
}

/** What the selection looks at. */
type Picked = Pick<StoredEvent, "sequence" | "occurred_at">;

/** Which of the events read in order are selected; with `last`, the ring of the last n. */
class Picker<T extends Picked = StoredEvent> {
  private readonly ring: T[] = [];
  private next = 0;

  constructor(
    private readonly selection: Selection,
    private readonly to: number | undefined,
  ) {}

  /** true: selected now; false: not (or kept in the ring); "past": beyond `to`, stop reading. */
  offer(e: T): boolean | "past" {
    if (this.to !== undefined && e.sequence > this.to) return "past";
    if (!inWindow(e.occurred_at, this.selection.window)) return false;
    const last = this.selection.last;
    if (last === undefined) return true;
    this.ring[this.next] = e;
    this.next = (this.next + 1) % last;
    return false;
  }

  /** The ring's events, oldest first: once it is full, the oldest sits where the next would go. */
  *kept(): Generator<T> {
    const last = this.selection.last;
    if (last === undefined) return;
    if (this.ring.length < last) yield* this.ring;
    else for (let i = 0; i < last; i++) yield this.ring[(this.next + i) % last]!;
  }
}
