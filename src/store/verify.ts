import { type ChainFields, eventHash, GENESIS_HASH } from "./chain.ts";
import type { StoreContext } from "./context.ts";
import { CHAIN_COLUMNS } from "./event-columns.ts";

export interface VerifyReport {
  ok: boolean;
  eventsChecked: number;
  latestSequence: number;
  /** The first sequence whose hash, chain link or position is wrong; null when the chain holds. */
  firstBadSequence: number | null;
  problem: string | null;
  /** SQLite's `PRAGMA integrity_check` lines; `["ok"]` when the file is sound. */
  integrity: string[];
}

const CHAIN_ROWS = `SELECT sequence, ${CHAIN_COLUMNS.join(", ")}, prev_hash, event_hash,
  json_valid(payload_json) AS payload_ok FROM events ORDER BY sequence`;

type ChainRow = ChainFields & {
  sequence: number;
  prev_hash: string;
  event_hash: string;
  payload_ok: number;
};

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
 * Recomputes the hash chain from genesis and runs SQLite's integrity check. An edited row
 * breaks its own hash; a deleted row leaves a gap and breaks the next link; swapped rows break
 * the link at the first of them.
 */
export function verify(ctx: StoreContext, onProgress?: (checked: number) => void): VerifyReport {
  const integrity = integrityProblems(
    ctx
      .stmt("PRAGMA integrity_check")
      .all<{ integrity_check: unknown }>()
      .map((r) => String(r.integrity_check)),
  );
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  let firstBad: { sequence: number; problem: string } | null = null;
  for (const row of ctx.stmt(CHAIN_ROWS).iterate<ChainRow>()) {
    const seq = Number(row.sequence);
    checked++;
    if (onProgress && checked % 10000 === 0) onProgress(checked);
    if (firstBad) continue;
    if (seq !== expectedSeq) {
      firstBad = {
        sequence: seq,
        problem: `sequence ${expectedSeq}${seq - 1 > expectedSeq ? `..${seq - 1}` : ""} is missing (deleted rows)`,
      };
    } else if (row.prev_hash !== expectedPrev) {
      firstBad = {
        sequence: seq,
        problem:
          "prev_hash does not link to the previous event (rows deleted, inserted or reordered)",
      };
    } else if (
      eventHash(row.prev_hash, { ...row, schema_version: Number(row.schema_version) }) !==
      row.event_hash
    ) {
      firstBad = {
        sequence: seq,
        problem: "event_hash does not match the row's content (row edited)",
      };
    } else if (!row.payload_ok) {
      firstBad = {
        sequence: seq,
        problem:
          "payload_json is not valid JSON (NaN, Infinity or damage): no JSON reader can read it",
      };
    }
    expectedPrev = row.event_hash;
    expectedSeq = seq + 1;
  }
  const integrityOk = integrity.length === 1 && integrity[0] === "ok";
  return {
    ok: integrityOk && firstBad === null,
    eventsChecked: checked,
    latestSequence: expectedSeq - 1,
    firstBadSequence: firstBad?.sequence ?? null,
    problem: firstBad?.problem ?? (integrityOk ? null : `integrity check: ${integrity[0]}`),
    integrity,
  };
}
