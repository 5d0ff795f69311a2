import type { StoreContext } from "./context.ts";
import { checkCursorMove, checkCursorTarget } from "./cursor-rules.ts";
import { latestSequence, reading } from "./read.ts";
import { CURSOR_DELETE, CURSOR_GET, CURSOR_LIST, CURSOR_UPSERT } from "./schema/contract.ts";
import { writeTransaction } from "./transaction.ts";
import { corruptError, describeValue } from "./translate-error.ts";

/** Projection cursors, with the contract's rules (cursor-rules.ts); a missing cursor reads 0. */
export interface CursorRow {
  name: string;
  sequence: number;
  /** Events appended after this cursor: latest sequence minus cursor. */
  lag: number;
}

export function getCursor(ctx: StoreContext, name: string): number {
  return reading(ctx, `reading cursor ${name}`, () => {
    const row = ctx.stmt(CURSOR_GET).get<{ sequence: number }>(name);
    return Number(row?.sequence ?? 0);
  });
}

export function setCursor(
  ctx: StoreContext,
  name: string,
  sequence: number,
  options: { rewind?: boolean } = {},
): void {
  checkCursorTarget(name, sequence);
  writeTransaction(ctx, `moving cursor ${name}`, () => {
    const current = getCursor(ctx, name);
    const head = latestSequence(ctx);
    checkCursorMove(name, { current, sequence, head, rewind: options.rewind });
    ctx.stmt(CURSOR_UPSERT).run(name, sequence);
  });
}

/** Moves a cursor forward to `sequence` (equal is a no-op); never backwards. */
export function advanceCursor(ctx: StoreContext, name: string, sequence: number): void {
  setCursor(ctx, name, sequence);
}

export function deleteCursor(ctx: StoreContext, name: string): boolean {
  return writeTransaction(ctx, `deleting cursor ${name}`, () => {
    const r = ctx.stmt(CURSOR_DELETE).run(name);
    return r.changes > 0;
  });
}

export function listCursors(ctx: StoreContext): CursorRow[] {
  const head = latestSequence(ctx);
  return reading(ctx, "listing cursors", () =>
    ctx.stmt(CURSOR_LIST).all<{ projection_name: string; sequence: number }>(),
  ).map((r) => {
    const sequence = Number(r.sequence);
    if (typeof r.projection_name !== "string" || !Number.isSafeInteger(sequence)) {
      throw corruptError(
        ctx.path,
        `a projection_cursors row holds ${describeValue(r.projection_name)} as its name and ${describeValue(r.sequence)} as its sequence`,
      );
    }
    return { name: r.projection_name, sequence, lag: Math.max(0, head - sequence) };
  });
}
