import { isEventLogError } from "../errors.ts";
import { validateLegacyRecord } from "../legacy/validate.ts";
import { type EncodedEvent, encodeEvent } from "../store/append.ts";
import { KEY_PREFIX, type KeyFormat } from "./idempotency-key.ts";
import { mapLegacyRecord } from "./map-record.ts";

/**
 * What a legacy record becomes, worked out without the database (so a backfill can do it on
 * another thread): invalid (quarantine it), skipped (a kind nobody maps), or encoded events.
 */
export type RecordPlan =
  | { status: "invalid"; reason: string }
  | { status: "skipped"; kind: string }
  | { status: "events"; events: EncodedEvent[] };

/**
 * `newEventId` names the events (default: the store's random uuid4 hex). A record that passes
 * its schema but cannot be stored (a `ts` that is no time, a value with no exact JSON form)
 * is invalid too: that one record is quarantined, never its neighbours. `fallbackTime` is
 * the occurred_at of a record without `ts` (see mapLegacyRecord); `keyFormat` the format of
 * the database the plan is for (`EventStore.keyFormat()`).
 */
export function planRecord(
  value: unknown,
  newEventId?: () => string,
  fallbackTime: string | null = null,
  keyFormat: KeyFormat = KEY_PREFIX,
): RecordPlan {
  const checked = validateLegacyRecord(value);
  if (!checked.ok) return { status: "invalid", reason: checked.reason };
  try {
    const inputs = mapLegacyRecord(checked.record, fallbackTime, keyFormat);
    if (inputs === null) return { status: "skipped", kind: checked.record.kind };
    const events = inputs.map((input) => {
      if (newEventId && input.eventId == null) input.eventId = newEventId();
      return encodeEvent(input);
    });
    return { status: "events", events };
  } catch (e) {
    if (!isEventLogError(e, "input_invalid") && !isEventLogError(e, "invalid_event")) throw e;
    return { status: "invalid", reason: `${checked.record.kind}: ${e.message}` };
  }
}
