import { validateLegacyRecord } from "../legacy/validate.ts";
import { type EncodedEvent, encodeEvent } from "../store/append.ts";
import { mapLegacyRecord } from "./map-record.ts";

/**
 * What a legacy record becomes, worked out without the database (so a backfill can do it on
 * another thread): invalid (quarantine it), skipped (a kind nobody maps), or encoded events.
 */
export type RecordPlan =
  | { status: "invalid"; reason: string }
  | { status: "skipped"; kind: string }
  | { status: "events"; events: EncodedEvent[] };

/** `newEventId` names the events (default: the store's random uuid4 hex). */
export function planRecord(value: unknown, newEventId?: () => string): RecordPlan {
  const checked = validateLegacyRecord(value);
  if (!checked.ok) return { status: "invalid", reason: checked.reason };
  const inputs = mapLegacyRecord(checked.record);
  if (inputs === null) return { status: "skipped", kind: checked.record.kind };
  const events = inputs.map((input) => {
    if (newEventId && input.eventId == null) input.eventId = newEventId();
    return encodeEvent(input);
  });
  return { status: "events", events };
}
