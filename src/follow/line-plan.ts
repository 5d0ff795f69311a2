import { inexactIntegerIn } from "../encoding/json-limits.ts";
import { recordShapeProblem } from "../legacy/shape.ts";
import type { KeyFormat } from "../mirror/idempotency-key.ts";
import { planRecord, type RecordPlan } from "../mirror/plan-record.ts";

/**
 * What one JSONL line becomes, worked out without the database: blank (skipped, counted),
 * malformed (not JSON, or not an object with a non-empty string `kind`: quarantined), or a
 * record's plan.
 */
export type LinePlan = { status: "blank" } | { status: "malformed"; reason: string } | RecordPlan;

const OPEN_BRACE = 0x7b;
const BLANK: LinePlan = { status: "blank" };

/**
 * The `ts` of the last record planned that had one (and was not invalid): a record without
 * `ts` is given it as its time, so it is dated by the line before it, not by the mirroring.
 */
export interface TsClock {
  lastTs: string | null;
}

function planLine(
  text: string,
  newEventId: () => string,
  clock: TsClock,
  keyFormat: KeyFormat | undefined,
): LinePlan {
  if (text.length === 0 || (text.charCodeAt(0) !== OPEN_BRACE && text.trim() === "")) return BLANK;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { status: "malformed", reason: `not JSON (${(e as Error).message})` };
  }
  const problem = recordShapeProblem(value);
  if (problem !== null) return { status: "malformed", reason: problem };
  const inexact = inexactIntegerIn(text);
  if (inexact !== null) {
    return {
      status: "malformed",
      reason: `the integer ${inexact} is beyond 2^53: it would be stored rounded`,
    };
  }
  const plan = planRecord(value, newEventId, clock.lastTs, keyFormat);
  const ts = (value as { ts?: unknown }).ts;
  if (typeof ts === "string" && plan.status !== "invalid") clock.lastTs = ts;
  return plan;
}

/**
 * Plans a batch of lines, advancing `clock`; ids are time-ordered (see orderedEventIds);
 * `keyFormat` is the database's (`EventStore.keyFormat()`).
 */
export function planLines(
  texts: readonly string[],
  newEventId: () => string,
  clock: TsClock = { lastTs: null },
  keyFormat?: KeyFormat,
): LinePlan[] {
  return texts.map((text) => planLine(text, newEventId, clock, keyFormat));
}

/** The `ts` a record line would set the clock to (for a position saved mid-batch). */
export function tsOfLine(text: string, plan: LinePlan): string | null {
  if (plan.status !== "events" && plan.status !== "skipped") return null;
  try {
    const ts = (JSON.parse(text) as { ts?: unknown }).ts;
    return typeof ts === "string" ? ts : null;
  } catch {
    return null;
  }
}
