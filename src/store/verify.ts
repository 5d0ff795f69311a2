import type { ChainRule } from "./chain.ts";
import {
  ChainChecker,
  type ChainColumns,
  type ChainRow,
  chainColumnsOf,
  chainSelectList,
} from "./chain-check.ts";
import { compactionRanges, explainedBy, type SequenceRange } from "./compaction-marker.ts";
import type { StoreContext } from "./context.ts";

export interface VerifyReport {
  ok: boolean;
  eventsChecked: number;
  latestSequence: number;
  /** The first sequence whose hash, chain link or position is wrong; null when the chain holds. */
  firstBadSequence: number | null;
  problem: string | null;
  /** SQLite's `PRAGMA integrity_check` lines; `["ok"]` when the file is sound. */
  integrity: string[];
  /** The chain columns the file carries: `prev_hash/event_hash`, `chain_hash`, both or none. */
  chains: string[];
  /** Rows some chain covers and that were checked against it. */
  chainedChecked: number;
  /** Rows no chain covers (written by a writer without one): not checked, not tampered. */
  unchained: number;
  /** How many checked rows each rule recomputed (a row in two chains counts in both). */
  rules: Record<ChainRule, number>;
  /** Sequences missing where a compaction.performed event says they were compacted away. */
  compacted: number;
}

function chainNames(cols: ChainColumns): string[] {
  return [...(cols.linked ? ["prev_hash/event_hash"] : []), ...(cols.sorted ? ["chain_hash"] : [])];
}

/**
 * SQLite's integrity_check rows as one problem per entry: a row may hold several problems on
 * lines of their own, headed by `*** in database main ***`, which is dropped.
 */
function integrityProblems(rows: string[]): string[] {
  const problems = rows
    .flatMap((r) => r.split(/\r?\n/))
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^\*\*\* in database \S+ \*\*\*$/.test(l));
  return problems.length === 0 ? ["ok"] : problems;
}

/**
 * Checks whichever chain the file carries, from genesis, and runs SQLite's integrity check.
 * An edited row breaks its own hash; a deleted row leaves a gap and breaks the next link;
 * swapped rows break the link at the first of them. A gap that a compaction.performed event
 * accounts for (the rows were compacted away and the rest re-chained) is not a fault.
 */
export function verify(ctx: StoreContext, onProgress?: (checked: number) => void): VerifyReport {
  const integrity = integrityProblems(
    ctx
      .stmt("PRAGMA integrity_check")
      .all<{ integrity_check: unknown }>()
      .map((r) => String(r.integrity_check)),
  );
  const cols = chainColumnsOf(ctx);
  const checker = new ChainChecker(cols);
  const compactions: SequenceRange[] = compactionRanges(ctx);
  const rows = ctx.stmt(
    `SELECT ${chainSelectList(cols)}, json_valid(payload_json) AS payload_ok FROM events ORDER BY sequence`,
  );
  const rules: Record<ChainRule, number> = { utf8: 0, ascii: 0, sorted: 0 };
  let expectedSeq = 1;
  let checked = 0;
  let chained = 0;
  let unchained = 0;
  let compacted = 0;
  let firstBad: { sequence: number; problem: string } | null = null;
  for (const row of rows.iterate<ChainRow & { payload_ok: number }>()) {
    const seq = Number(row.sequence);
    checked++;
    if (onProgress && checked % 10000 === 0) onProgress(checked);
    if (firstBad) continue;
    if (seq !== expectedSeq) {
      const missing = { from: expectedSeq, to: seq - 1 };
      if (explainedBy(compactions, missing)) {
        compacted += missing.to - missing.from + 1;
      } else {
        firstBad = {
          sequence: seq,
          problem: `sequence ${missing.from}${missing.to > missing.from ? `..${missing.to}` : ""} is missing (deleted rows)`,
        };
      }
    }
    expectedSeq = seq + 1;
    if (firstBad) continue;
    const verdict = checker.check(row);
    if ("broken" in verdict) {
      firstBad = { sequence: seq, problem: verdict.broken };
      continue;
    }
    if (verdict.chained) {
      chained++;
      for (const r of verdict.rules) rules[r]++;
    } else {
      unchained++;
    }
    if (!row.payload_ok) {
      firstBad = {
        sequence: seq,
        problem:
          "payload_json is not valid JSON (NaN, Infinity or damage): no JSON reader can read it",
      };
    }
  }
  const integrityOk = integrity.length === 1 && integrity[0] === "ok";
  return {
    ok: integrityOk && firstBad === null,
    eventsChecked: checked,
    latestSequence: expectedSeq - 1,
    firstBadSequence: firstBad?.sequence ?? null,
    problem: firstBad?.problem ?? (integrityOk ? null : `integrity check: ${integrity[0]}`),
    integrity,
    chains: chainNames(cols),
    chainedChecked: chained,
    unchained,
    rules,
    compacted,
  };
}
