import { inexactIntegerIn } from "../encoding/json-limits.ts";
import { recordShapeProblem } from "../legacy/shape.ts";
import { planRecord, type RecordPlan } from "../mirror/plan-record.ts";

/**
 * What one JSONL line becomes, worked out without the database: blank (skipped, counted),
 * malformed (not JSON, or not an object with a non-empty string `kind`: quarantined), or a
 * record's plan.
 */
export type LinePlan = { status: "blank" } | { status: "malformed"; reason: string } | RecordPlan;

const OPEN_BRACE = 0x7b;
const BLANK: LinePlan = { status: "blank" };

function planLine(text: string, newEventId: () => string): LinePlan {
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
  return planRecord(value, newEventId);
}

/** Plans a batch of lines; ids are time-ordered (see orderedEventIds). */
export function planLines(texts: readonly string[], newEventId: () => string): LinePlan[] {
  return texts.map((text) => planLine(text, newEventId));
}
