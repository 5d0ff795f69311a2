import { onStopSignals } from "../../io/stop-signals.ts";
import { followEvents as follow } from "../../replay/follow-events.ts";
import type { SinceFilter } from "../../store/read.ts";
import type { ReadLog } from "../../store/read-log.ts";
import { log } from "../framework/terminal.ts";
import type { EventPrinter, LineWriter } from "./output.ts";
import { inWindow, type TimeWindow } from "./time.ts";

export interface FollowEventsOptions {
  store: ReadLog;
  /** Print the events after this sequence, then each new one as it is appended. */
  after: number;
  filter: SinceFilter;
  window: TimeWindow;
  printer: EventPrinter;
  out: LineWriter;
  /** Stop once the printer has printed this many events in all. */
  count?: number | undefined;
  timeoutMs?: number | undefined;
}

/**
 * `tail` and `replay -f`: prints new events as they are appended, until Ctrl-C, SIGTERM,
 * `count` or `timeoutMs` (all exit 0). Reads only.
 */
export async function followEvents(o: FollowEventsOptions): Promise<void> {
  const stop = new AbortController();
  const signals = onStopSignals({ secondExits: true, onFirst: () => stop.abort() });
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => stop.abort(), o.timeoutMs);
  if (o.count !== undefined && o.printer.count >= o.count) stop.abort();
  else log.info(`following ${o.store.path} after sequence ${o.after}; Ctrl-C to stop`);
  try {
    await follow(
      o.store,
      { after: o.after, filter: o.filter, signal: stop.signal },
      {
        event: async (e) => {
          if (!inWindow(e.occurred_at, o.window)) return;
          await o.printer.print(e);
          if (o.count !== undefined && o.printer.count >= o.count) stop.abort();
        },
        caughtUp: () => o.out.flush(),
      },
    );
  } finally {
    if (timer) clearTimeout(timer);
    signals.dispose();
    await o.out.flush();
  }
}
