import { startWorker, workerModuleUrl } from "../runtime/worker-module.ts";
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

/** SQLite's integrity_check lines, on this connection. */
function integrityRows(ctx: StoreContext): string[] {
  return ctx
    .stmt("PRAGMA integrity_check")
    .all<{ integrity_check: unknown }>()
    .map((r) => String(r.integrity_check));
}

/**
 * Checks whichever chain the file carries, from genesis, and runs SQLite's integrity check.
 * An edited row breaks its own hash; a deleted row leaves a gap and breaks the next link;
 * swapped rows break the link at the first of them. A gap that a compaction.performed event
 * accounts for (the rows were compacted away and the rest re-chained) is not a fault.
 */
export function verify(ctx: StoreContext, onProgress?: (checked: number) => void): VerifyReport {
  const integrity = integrityProblems(integrityRows(ctx));
  return report(integrity, checkChain(ctx, onProgress));
}

/**
 * `verify`, with the integrity check on a worker thread of its own (its own connection)
 * while this one checks the chain: the two read the file at once instead of one after the
 * other. Where no worker can run, or the worker's check fails, the check runs here, in
 * `verify`'s order, so what a damaged file reports does not change.
 */
export async function verifyConcurrently(
  ctx: StoreContext,
  onProgress?: (checked: number) => void,
): Promise<VerifyReport> {
  const apart = integrityApart(ctx.path);
  if (apart === undefined) return verify(ctx, onProgress);
  let chain: ChainReport;
  try {
    chain = checkChain(ctx, onProgress);
  } catch (e) {
    // verify would have met the integrity check's error first.
    if ((await apart) === null) integrityRows(ctx);
    throw e;
  }
  return report(integrityProblems((await apart) ?? integrityRows(ctx)), chain);
}

/** The worker's integrity_check lines; null if it failed; undefined where no worker can start. */
function integrityApart(path: string): Promise<string[] | null> | undefined {
  const worker = startWorker(workerModuleUrl(import.meta.url, "store", "integrity-worker"));
  if (worker === undefined) return undefined;
  return new Promise<string[] | null>((resolve) => {
    worker.onmessage = ({ data }: MessageEvent<{ rows: string[] } | { error: string }>) =>
      resolve("rows" in data ? data.rows : null);
    worker.onerror = () => resolve(null);
    worker.postMessage({ path });
  }).finally(() => worker.terminate());
}

interface ChainReport {
  cols: ChainColumns;
  checked: number;
  latestSequence: number;
  firstBad: { sequence: number; problem: string } | null;
  chained: number;
  unchained: number;
  rules: Record<ChainRule, number>;
  compacted: number;
}

function checkChain(ctx: StoreContext, onProgress?: (checked: number) => void): ChainReport {
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
  return {
    cols,
    checked,
    latestSequence: expectedSeq - 1,
    firstBad,
    chained,
    unchained,
    rules,
    compacted,
  };
}

function report(integrity: string[], c: ChainReport): VerifyReport {
  const integrityOk = integrity.length === 1 && integrity[0] === "ok";
  return {
    ok: integrityOk && c.firstBad === null,
    eventsChecked: c.checked,
    latestSequence: c.latestSequence,
    firstBadSequence: c.firstBad?.sequence ?? null,
    problem: c.firstBad?.problem ?? (integrityOk ? null : `integrity check: ${integrity[0]}`),
    integrity,
    chains: chainNames(c.cols),
    chainedChecked: c.chained,
    unchained: c.unchained,
    rules: c.rules,
    compacted: c.compacted,
  };
}
