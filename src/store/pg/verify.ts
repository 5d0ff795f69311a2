import type { ChainRule } from "../chain.ts";
import { ChainChecker, type ChainRow } from "../chain-check.ts";
import { CHAIN_COLUMNS } from "../event-columns.ts";
import type { VerifyReport } from "../verify.ts";
import { type PgQuery, query } from "./client.ts";

const PAGE = 5000;
const SELECT = `SELECT sequence, ${CHAIN_COLUMNS.join(", ")}, prev_hash, event_hash FROM events
  WHERE sequence > $1 ORDER BY sequence LIMIT ${PAGE}`;

function payloadOk(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The PostgreSQL log's chain from genesis: every sequence present (1..N, no compaction here),
 * every row's event_hash recomputed and linked to the previous row's, every payload JSON.
 * PostgreSQL checks its own pages, so `integrity` is always ["ok"].
 */
export async function pgVerify(
  q: PgQuery,
  onProgress?: (checked: number) => void,
): Promise<VerifyReport> {
  const checker = new ChainChecker({ linked: true, sorted: false });
  const rules: Record<ChainRule, number> = { utf8: 0, ascii: 0, sorted: 0 };
  let expected = 1;
  let checked = 0;
  let chained = 0;
  let unchained = 0;
  let firstBad: { sequence: number; problem: string } | null = null;
  let after = 0;
  for (;;) {
    const page = await query<ChainRow>(q, SELECT, [after]);
    for (const raw of page) {
      const row = { ...raw, sequence: Number(raw.sequence) };
      after = row.sequence;
      checked++;
      if (onProgress && checked % 10000 === 0) onProgress(checked);
      if (firstBad) continue;
      if (row.sequence !== expected) {
        const to = row.sequence - 1;
        firstBad = {
          sequence: row.sequence,
          problem: `sequence ${expected}${to > expected ? `..${to}` : ""} is missing (deleted rows)`,
        };
        continue;
      }
      expected = row.sequence + 1;
      const verdict = checker.check(row);
      if ("broken" in verdict) {
        firstBad = { sequence: row.sequence, problem: verdict.broken };
      } else if (verdict.chained) {
        chained++;
        for (const r of verdict.rules) rules[r]++;
      } else {
        unchained++;
      }
      if (!firstBad && !payloadOk(row.payload_json)) {
        firstBad = { sequence: row.sequence, problem: "payload_json is not valid JSON" };
      }
    }
    if (page.length < PAGE) break;
  }
  return {
    ok: firstBad === null,
    eventsChecked: checked,
    latestSequence: after,
    firstBadSequence: firstBad?.sequence ?? null,
    problem: firstBad?.problem ?? null,
    integrity: ["ok"],
    chains: ["prev_hash/event_hash"],
    chainedChecked: chained,
    unchained,
    rules,
    compacted: 0,
  };
}
