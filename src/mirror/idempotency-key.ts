import { createHash } from "node:crypto";
import { canonicalJson } from "../encoding/python-json.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";

/**
 * Idempotency keys are readable and derived only from the record, so the same milestone gives
 * the same key whether it arrives through a hook or from a JSONL import:
 *
 *   legacy/<legacy kind>/<durable kind>/tick=7/issue=167/pr=.../at=<ts>
 *
 * Parts that the record lacks are left out (tick 0 is written `tick=0`). The last part tells
 * occurrences apart: the record's `ts` when it has one, else a digest of the whole record, so
 * two different observations never collapse and a byte-identical re-read always does.
 */
export interface KeyParts {
  tick?: number | undefined;
  issue?: number | undefined;
  pr?: string | number | null | undefined;
  session?: string | null | undefined;
  /** Extra discriminator for records that yield several events of one kind. */
  part?: string | undefined;
}

export function occurrenceOf(record: AnyLegacyRecord): string {
  if (typeof record.ts === "string" && record.ts !== "") return `at=${record.ts}`;
  return `digest=${createHash("sha256").update(canonicalJson(record)).digest("hex").slice(0, 16)}`;
}

export function idempotencyKey(
  legacyKind: string,
  durableKind: string,
  parts: KeyParts,
  occurrence: string,
): string {
  let key = `legacy/${legacyKind}/${durableKind}`;
  if (parts.tick !== undefined) key += `/tick=${parts.tick}`;
  if (parts.issue !== undefined) key += `/issue=${parts.issue}`;
  if (parts.pr !== undefined && parts.pr !== null && parts.pr !== "") key += `/pr=${parts.pr}`;
  if (parts.session) key += `/session=${parts.session}`;
  if (parts.part !== undefined) key += `/${parts.part}`;
  return `${key}/${occurrence}`;
}
