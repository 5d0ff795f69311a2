/**
 * The backfill's second thread: turns batches of JSONL lines into plans (parse, validate, map,
 * canonical JSON, chain tails) while the main thread writes the previous batch to SQLite.
 * Messages: in `{ id, texts, startTs?, keyFormat }` (startTs resets the ts clock, keyFormat is
 * the database's idempotency key format); out `{ ready: true }`
 * once, then `{ id, plans, lastTs }` (packed, see plan-transport.ts) or `{ id, error }`.
 */
import type { KeyFormat } from "../mirror/idempotency-key.ts";
import { orderedEventIds } from "../store/event-ids.ts";
import { planLines, type TsClock } from "./line-plan.ts";
import { GarbageBudget } from "./memory.ts";
import { packPlans } from "./plan-transport.ts";

declare const self: {
  onmessage:
    | ((
        event: MessageEvent<{
          id: number;
          texts: string[];
          startTs?: string | null;
          keyFormat: KeyFormat;
        }>,
      ) => void)
    | null;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
};

const newEventId = orderedEventIds();
const garbage = new GarbageBudget();
const clock: TsClock = { lastTs: null };

self.onmessage = ({ data }) => {
  try {
    if (data.startTs !== undefined) clock.lastTs = data.startTs;
    const plans = packPlans(planLines(data.texts, newEventId, clock, data.keyFormat));
    self.postMessage({ id: data.id, plans, lastTs: clock.lastTs }, [
      plans.slots.buffer as ArrayBuffer,
      plans.tails.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    self.postMessage({ id: data.id, error: e instanceof Error ? e.message : String(e) });
  }
  for (const text of data.texts) garbage.spent(text.length);
};

self.postMessage({ ready: true });
