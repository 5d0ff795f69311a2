import { createHash } from "node:crypto";
import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { QUARANTINE_COUNT, QUARANTINE_INSERT, QUARANTINE_LIST } from "./schema/quarantine.ts";

/** Where a line came from, so an operator can find it again. */
export interface LineOrigin {
  /** The JSONL file's path, or `plugin` for records that came through a hook. */
  source: string;
  lineNumber?: number | null;
  byteOffset?: number | null;
  raw: string;
}

export interface QuarantinedLine extends Required<LineOrigin> {
  id: number;
  reason: string;
  recorded_at: string;
}

/**
 * Stores a line that could not be mirrored; the same line recorded twice is kept once.
 * Call inside the caller's transaction to keep it with the lines around it.
 */
export function quarantineLine(ctx: StoreContext, origin: LineOrigin, reason: string): boolean {
  const digest = createHash("sha256").update(origin.raw).digest("hex");
  const r = ctx
    .stmt(QUARANTINE_INSERT)
    .run(
      origin.source,
      origin.lineNumber ?? null,
      origin.byteOffset ?? null,
      origin.raw,
      digest,
      reason,
      new Date().toISOString(),
    );
  return r.changes > 0;
}

export function listQuarantine(ctx: StoreContext, limit: number): QuarantinedLine[] {
  return reading(ctx, "listing quarantined lines", () =>
    ctx.stmt(QUARANTINE_LIST).all<QuarantinedLine & Record<string, unknown>>(limit),
  );
}

export function countQuarantine(ctx: StoreContext): number {
  return reading(ctx, "counting quarantined lines", () =>
    Number(ctx.stmt(QUARANTINE_COUNT).get<{ n: number }>()?.n ?? 0),
  );
}
