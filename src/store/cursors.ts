import { EventLogError } from "../errors.ts";
import type { StoreContext } from "./context.ts";
import { latestSequence, reading } from "./read.ts";
import { CURSOR_DELETE, CURSOR_GET, CURSOR_LIST, CURSOR_UPSERT } from "./schema/contract.ts";
import { writeTransaction } from "./transaction.ts";
import { corruptError, describeValue } from "./translate-error.ts";

/**
 * Projection cursors, with the contract's rules: a missing cursor reads 0; moving one below
 * its current value or past the latest sequence is an error. `rewind` is the operator's escape
 * hatch (e.g. rebuild a projection) and still may not pass the head.
 */
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
  checkName(name);
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new EventLogError(
      "cursor_invalid",
      `cursor ${name}: sequence ${sequence} is not a whole number >= 0`,
    );
  }
  writeTransaction(ctx, `moving cursor ${name}`, () => {
    const current = getCursor(ctx, name);
    const head = latestSequence(ctx);
    if (sequence < current && !options.rewind) {
      throw new EventLogError(
        "cursor_backwards",
        `cursor ${name} is at ${current}; moving it back to ${sequence} needs an explicit rewind (cursors set --rewind)`,
      );
    }
    if (sequence > head) {
      throw new EventLogError(
        "cursor_ahead",
        `cursor ${name} cannot move to ${sequence}: the latest event is ${head}`,
      );
    }
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

function checkName(name: string): void {
  if (typeof name !== "string" || name.trim() === "") {
    throw new EventLogError("cursor_invalid", "a projection cursor needs a non-empty name");
  }
}
