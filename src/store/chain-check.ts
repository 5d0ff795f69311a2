import {
  type ChainFields,
  type ChainRule,
  GENESIS_HASH,
  linkedRuleOf,
  sortedChainHash,
} from "./chain.ts";
import type { StoreContext } from "./context.ts";
import { CHAIN_COLUMNS } from "./event-columns.ts";

/**
 * Which chain columns a database's `events` table has: ours and upstream's first chain
 * (`prev_hash`, `event_hash`), upstream's later one (`chain_hash`), both (an upstream writer
 * of the later chain added its column to one of our files), or none (upstream's oldest shape).
 */
export interface ChainColumns {
  linked: boolean;
  sorted: boolean;
}

export function chainColumnsOf(ctx: StoreContext): ChainColumns {
  const names = new Set(
    ctx
      .stmt("SELECT name FROM pragma_table_info('events')")
      .all<{ name: string }>()
      .map((c) => c.name),
  );
  return {
    linked: names.has("prev_hash") && names.has("event_hash"),
    sorted: names.has("chain_hash"),
  };
}

/** The columns a chain check reads, for the chain columns the table has. */
export function chainSelectList(cols: ChainColumns): string {
  return [
    "sequence",
    ...CHAIN_COLUMNS,
    ...(cols.linked ? ["prev_hash", "event_hash"] : []),
    ...(cols.sorted ? ["chain_hash"] : []),
  ].join(", ");
}

/** A row as a chain check reads it (the hash columns the table lacks are absent). */
export type ChainRow = ChainFields & {
  sequence: number;
  prev_hash?: string | null;
  event_hash?: string | null;
  chain_hash?: string | null;
};

export type RowVerdict =
  | { chained: false }
  | { chained: true; rules: ChainRule[] }
  | { broken: string };

/**
 * Checks rows in sequence order against every chain the table carries. A row with no hash at
 * all (written by an upstream writer without a chain) is unchained, not tampered.
 *
 * - prev_hash/event_hash: a chained row's prev_hash is the event_hash of the last chained row
 *   before it (forge-eventlog chains over unchained rows), or genesis right after an
 *   unchained row (a writer that treats a NULL head as genesis); its event_hash recomputes by
 *   the UTF-8 rule or, on rows written before that rule, the ASCII-escaped one.
 * - chain_hash: recomputes from the previous row's chain_hash, genesis when that is NULL.
 */
export class ChainChecker {
  /** event_hash of the last row that carried one. */
  private lastLinked = GENESIS_HASH;
  private previousLinked = true;
  /** chain_hash of the previous row (NULL counts as genesis). */
  private previousSorted = GENESIS_HASH;

  constructor(readonly columns: ChainColumns) {}

  /** Starts after `row` instead of at genesis (a read from the middle of the log). */
  seed(row: ChainRow | undefined, lastLinked: string | null): void {
    if (!row) return;
    this.lastLinked = lastLinked ?? GENESIS_HASH;
    this.previousLinked = row.event_hash != null;
    this.previousSorted = row.chain_hash ?? GENESIS_HASH;
  }

  check(row: ChainRow): RowVerdict {
    const fields =
      typeof row.schema_version === "number"
        ? row
        : { ...row, schema_version: Number(row.schema_version) };
    const rules: ChainRule[] = [];
    let broken: string | null = null;
    if (this.columns.linked) {
      const prev = row.prev_hash ?? null;
      const hash = row.event_hash ?? null;
      if (hash !== null) {
        const linkOk = prev === this.lastLinked || (!this.previousLinked && prev === GENESIS_HASH);
        const rule = prev === null ? null : linkedRuleOf(prev, fields, hash);
        if (!linkOk) {
          broken =
            "prev_hash does not link to the previous event (rows deleted, inserted or reordered)";
        } else if (rule === null) {
          broken = "event_hash does not match the row's content (row edited)";
        } else {
          rules.push(rule);
        }
        this.lastLinked = hash;
      } else if (prev !== null) {
        broken = "event_hash is NULL while prev_hash is set (the row's hash was erased)";
      }
      this.previousLinked = hash !== null;
    }
    if (this.columns.sorted) {
      const hash = row.chain_hash ?? null;
      if (hash !== null) {
        if (sortedChainHash(this.previousSorted, fields) !== hash) {
          broken ??=
            "chain_hash does not recompute from the previous row's chain_hash (row edited, or rows deleted, inserted or reordered)";
        } else {
          rules.push("sorted");
        }
      }
      this.previousSorted = hash ?? GENESIS_HASH;
    }
    if (broken !== null) return { broken };
    return rules.length > 0 ? { chained: true, rules } : { chained: false };
  }
}
