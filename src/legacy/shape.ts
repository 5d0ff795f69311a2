/** A legacy record at its least: a plain JSON object whose `kind` is a non-empty string. */
export type RecordShaped = Record<string, unknown> & { kind: string };

/**
 * The one shape check every entry point applies (a hook's milestone, a JSONL line, a record
 * the fmail deriver sees): null when `value` is a record, else why it is not.
 */
export function recordShapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const what = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    return `a record must be a JSON object with a "kind", not ${what}`;
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== "string" || kind.trim() === "") {
    return 'a record needs a non-empty string "kind"';
  }
  return null;
}

export function isRecordShaped(value: unknown): value is RecordShaped {
  return recordShapeProblem(value) === null;
}
