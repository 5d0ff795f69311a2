import type { z } from "zod";
import { compileFastCheck, type FastCheck } from "./fast-check.ts";
import {
  type AnyLegacyRecord,
  anyLegacyRecordSchema,
  isKnownLegacyKind,
  type KnownLegacyKind,
  LEGACY_SCHEMAS,
} from "./schemas.ts";

export type Validated =
  | { ok: true; record: AnyLegacyRecord; known: boolean }
  | { ok: false; reason: string };

// The same schemas as plain predicates: a yes is final, a no goes to zod for the verdict and reason.
const FAST: Partial<Record<KnownLegacyKind, FastCheck>> = Object.fromEntries(
  Object.entries(LEGACY_SCHEMAS).map(([kind, schema]) => [kind, compileFastCheck(schema)]),
);
const FAST_ANY = compileFastCheck(anyLegacyRecordSchema);

/**
 * Checks one parsed legacy line. A known kind must match its schema; an unknown kind only
 * needs to be an object with a string `kind` (it is skipped by the mirror, not rejected).
 */
export function validateLegacyRecord(value: unknown): Validated {
  // A known kind's schema checks `kind` and `ts` too: one parse instead of two.
  const named = (value as { kind?: unknown } | null)?.kind;
  if (typeof named === "string" && isKnownLegacyKind(named) && !Array.isArray(value)) {
    return validateKnown(named, value);
  }
  if (FAST_ANY?.(value)) return { ok: true, record: value as AnyLegacyRecord, known: false };
  const base = anyLegacyRecordSchema.safeParse(value);
  if (!base.success) return { ok: false, reason: describeIssues(base.error) };
  const kind = base.data.kind;
  if (!isKnownLegacyKind(kind)) return { ok: true, record: base.data, known: false };
  return validateKnown(kind, value);
}

function validateKnown(kind: KnownLegacyKind, value: unknown): Validated {
  if (FAST[kind]?.(value)) return { ok: true, record: value as AnyLegacyRecord, known: true };
  const full = LEGACY_SCHEMAS[kind].safeParse(value);
  if (!full.success) return { ok: false, reason: `${kind}: ${describeIssues(full.error)}` };
  // The caller's object, not zod's copy: key order and untouched extras are kept.
  return { ok: true, record: value as AnyLegacyRecord, known: true };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `field "${i.path.join(".")}": ${i.message}` : i.message))
    .join("; ");
}
