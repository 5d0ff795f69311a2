import { z } from "zod";
import { EventLogError } from "../../errors.ts";

export function usageError(message: string): EventLogError {
  return new EventLogError("usage", message);
}

const wholeNumber = z
  .string()
  .trim()
  .regex(/^\d+$/)
  .transform(Number)
  .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER));

/** A whole number flag or argument (`--from 12`); anything else is a usage error. */
export function parseWhole(value: string, name: string, min = 0): number {
  const parsed = wholeNumber.safeParse(value);
  if (!parsed.success || parsed.data < min) {
    throw usageError(`${name} must be a whole number >= ${min} (got ${JSON.stringify(value)})`);
  }
  return parsed.data;
}

export function parseOptionalWhole(
  value: string | undefined,
  name: string,
  min = 0,
): number | undefined {
  return value === undefined ? undefined : parseWhole(value, name, min);
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5` (seconds), `500ms`, `2.5s`, `1m`, `1h`. */
export function parseDuration(value: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) {
    throw usageError(
      `${name} must be a duration such as 5, 500ms, 2s or 1m (got ${JSON.stringify(value)})`,
    );
  }
  const unit = (m[2] ?? "s") as keyof typeof UNIT_MS;
  return Math.round(Number(m[1]) * UNIT_MS[unit]);
}
