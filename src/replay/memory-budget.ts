import { collectGarbage } from "../io/collect-garbage.ts";

/**
 * Rows a long read takes between two forced collections. JavaScriptCore lets a busy heap grow
 * with the rows read before it collects (a fold of 264k events peaked at 164 MB RSS without
 * them), and each costs 10–20 ms, so they are counted across the whole command: the fold,
 * then the stored tasks and halts it prints.
 */
const ROWS_PER_COLLECTION = 10_000;

let rows = 0;

/** Counts one row read; collects once ROWS_PER_COLLECTION were read since the last time. */
export function rowRead(): void {
  if (++rows < ROWS_PER_COLLECTION) return;
  rows = 0;
  collectGarbage();
}
