import type { z } from "zod";
import {
  type AnyLegacyRecord,
  anyLegacyRecordSchema,
  isKnownLegacyKind,
  LEGACY_SCHEMAS,
} from "./schemas.ts";

export type Validated =
  | { ok: true; record: AnyLegacyRecord; known: boolean }
  | { ok: false; reason: string };

/**
 * Checks one parsed legacy line. A known kind must match its schema; an unknown kind only
 * needs to be an object with a string `kind` (it is skipped by the mirror, not rejected).
 */
export function validateLegacyRecord(value: unknown): Validated {
  const base = anyLegacyRecordSchema.safeParse(value);
  if (!base.success) return { ok: false, reason: describeIssues(base.error) };
  const kind = base.data.kind;
  if (!isKnownLegacyKind(kind)) return { ok: true, record: base.data, known: false };
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
