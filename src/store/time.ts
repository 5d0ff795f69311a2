import { EventLogError } from "../errors.ts";

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * The contract's `occurred_at`: ISO-8601 UTC with microseconds, `2026-06-02T12:34:56.789000+00:00`.
 * Accepts a Date or the runner's two `ts` forms (`...56.789Z`, `...07+00:00`); a time without an
 * offset is taken as UTC. Microseconds in the input are kept.
 */
export function toOccurredAt(value: string | Date): string {
  if (value instanceof Date) return fromDate(value, undefined);
  // A record that maps to several events gives each the same ts: parsed once.
  if (value === last.text) return last.occurredAt;
  const occurredAt = parseTime(value);
  last.text = value;
  last.occurredAt = occurredAt;
  return occurredAt;
}

/** The last text parsed, and its occurred_at (a time that does not parse is not kept). */
const last: { text: string | null; occurredAt: string } = { text: null, occurredAt: "" };

function parseTime(value: string): string {
  const m = ISO.exec(value.trim());
  if (!m) {
    throw new EventLogError(
      "invalid_event",
      `time ${JSON.stringify(value)} is not ISO-8601 (expected e.g. 2026-06-02T12:34:56.789Z)`,
    );
  }
  const [, date, clock, fraction = "", offset = "Z"] = m;
  if (!isCalendarTime(`${date}T${clock}`)) {
    throw new EventLogError(
      "invalid_event",
      `time ${JSON.stringify(value)} is not a valid calendar date and time`,
    );
  }
  const micros = fraction.padEnd(6, "0").slice(0, 6);
  if (offset === "Z" || offset === "z" || /^[+-]00:?00$/.test(offset)) {
    return `${date}T${clock}.${micros}+00:00`;
  }
  const d = new Date(`${date}T${clock}.${micros.slice(0, 3)}${offset}`);
  if (Number.isNaN(d.getTime())) {
    throw new EventLogError("invalid_event", `time ${JSON.stringify(value)} is not a valid date`);
  }
  return fromDate(d, micros.slice(3));
}

/** Date rolls 2026-02-30 or 25:00 over into a real time; a real calendar time round-trips. */
function isCalendarTime(dateTime: string): boolean {
  const d = new Date(`${dateTime}Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19) === dateTime;
}

function fromDate(d: Date, extraMicros: string | undefined): string {
  if (Number.isNaN(d.getTime()))
    throw new EventLogError("invalid_event", "time is an invalid Date");
  return `${d.toISOString().slice(0, 23)}${extraMicros ?? "000"}+00:00`;
}
