import { sha256Hex } from "../encoding/sha256.ts";
import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import {
  CONFLICT_COUNT_OF_SOURCE,
  QUARANTINE_COUNT,
  QUARANTINE_COUNT_OF_SOURCE,
  QUARANTINE_DELETE,
  QUARANTINE_GET,
  QUARANTINE_INSERT,
  QUARANTINE_LIST,
} from "./schema/quarantine.ts";
import { hasTable } from "./tables.ts";

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
  const digest = sha256Hex(origin.raw);
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
    hasTable(ctx, "quarantine")
      ? ctx.stmt(QUARANTINE_LIST).all<QuarantinedLine & Record<string, unknown>>(limit)
      : [],
  );
}

export function countQuarantine(ctx: StoreContext): number {
  return reading(ctx, "counting quarantined lines", () =>
    hasTable(ctx, "quarantine")
      ? Number(ctx.stmt(QUARANTINE_COUNT).get<{ n: number }>()?.n ?? 0)
      : 0,
  );
}

export function quarantinedLine(ctx: StoreContext, id: number): QuarantinedLine | undefined {
  return reading(ctx, `reading quarantined line ${id}`, () =>
    hasTable(ctx, "quarantine")
      ? ctx.stmt(QUARANTINE_GET).get<QuarantinedLine & Record<string, unknown>>(id)
      : undefined,
  );
}

/** Drops a quarantined line (it was mirrored after all); inside the caller's transaction. */
export function releaseQuarantined(ctx: StoreContext, id: number): boolean {
  return ctx.stmt(QUARANTINE_DELETE).run(id).changes > 0;
}

/** Quarantined lines and conflicts of one followed path (its rotated copies included). */
export function countsOfSource(
  ctx: StoreContext,
  source: string,
): { quarantined: number; conflicts: number } {
  return reading(ctx, `counting the quarantine and conflicts of ${source}`, () => ({
    quarantined: hasTable(ctx, "quarantine")
      ? Number(ctx.stmt(QUARANTINE_COUNT_OF_SOURCE).get<{ n: number }>(source)?.n ?? 0)
      : 0,
    conflicts: hasTable(ctx, "conflicts")
      ? Number(ctx.stmt(CONFLICT_COUNT_OF_SOURCE).get<{ n: number }>(source)?.n ?? 0)
      : 0,
  }));
}
