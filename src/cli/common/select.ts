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
  const { window, last } = selection;
  const matching = async function* () {
    for await (const e of store.since(
      after,
      last === undefined ? filter : { ...filter, limit: undefined },
    )) {
      if (to !== undefined && e.sequence > to) return;
      if (inWindow(e.occurred_at, window)) yield e;
    }
  };
  if (last === undefined) {
    yield* matching();
    return;
  }
  if (last === 0) return;
  const ring: StoredEvent[] = [];
  let next = 0;
  for await (const e of matching()) {
    ring[next] = e;
    next = (next + 1) % last;
  }
  // Oldest first: once the ring is full, the oldest sits where the next one would go.
  if (ring.length < last) yield* ring;
  else for (let i = 0; i < last; i++) yield ring[(next + i) % last]!;
}
