import type { AnyLegacyRecord } from "./schemas.ts";

/**
 * The record the runner wrote: `{"ts": ..., "kind": ..., <fields in the caller's order>}`.
 * `ts` given → kept; omitted → stamped with `now` (as `2026-06-02T12:34:56.789Z`);
 * `null` → no `ts` at all, for the runner's code paths that never wrote one.
 */
export function buildLegacyRecord(
  milestone: { kind: string; ts?: string | null } & Record<string, unknown>,
  now: () => Date,
): AnyLegacyRecord {
  const { ts, kind, ...fields } = milestone;
  if (ts === null) return { kind, ...fields };
  return { ts: ts ?? now().toISOString(), kind, ...fields };
}
