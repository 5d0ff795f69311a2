import { EventLogError } from "../errors.ts";
import type { VerifyReport } from "../store/verify.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

const integrityOk = (r: VerifyReport) => r.integrity.length === 1 && r.integrity[0] === "ok";

/** One line, whatever the damage: the first problem and how many more; the rest via --json/--debug. */
function failure(path: string, r: VerifyReport): EventLogError {
  const problems = integrityOk(r) ? 0 : r.integrity.length;
  const counted = `${problems} problem${problems === 1 ? "" : "s"}`;
  const rest = problems > 1 ? "; --json or --debug lists them all" : "";
  if (r.firstBadSequence !== null) {
    const also = problems > 0 ? ` (SQLite integrity check also failed: ${counted}${rest})` : "";
    return new EventLogError(
      "check_failed",
      `${path}: hash chain broken at sequence ${r.firstBadSequence}: ${r.problem}${also}; events from ${r.firstBadSequence} on cannot be trusted, restore the database from a backup or an export`,
    );
  }
  return new EventLogError(
    "check_failed",
    `${path}: SQLite integrity check failed (${counted}, first: ${r.integrity[0]}${rest}); restore the database from a backup or an export`,
  );
}

/** What the chain check covered: "hash chain intact" when every row is chained and none is missing. */
function chainSummary(r: VerifyReport): string {
  if (r.chains.length === 0) {
    return `no hash chain in this file (${r.unchained} rows unchained, nothing to check them against)`;
  }
  const parts = [
    r.unchained === 0 && r.compacted === 0
      ? "hash chain intact"
      : `hash chain intact over ${r.chainedChecked} (${r.chains.join(" and ")})`,
  ];
  if (r.unchained > 0) parts.push(`${r.unchained} unchained (written without a chain)`);
  if (r.compacted > 0) parts.push(`${r.compacted} compacted away`);
  return parts.join(", ");
}

export default defineCommand({
  meta: {
    name: "verify",
    description: "Check the hash chain and SQLite integrity; exit 1 if broken",
  },
  args: { ...globalArgs },
  help: {
    examples: [
      "forge-eventlog verify",
      "forge-eventlog verify --db backup.db --json",
      "forge-eventlog verify --quiet || page-the-operator",
    ],
    notes: [
      "Recomputes every event's hash from the first event on (an edited row breaks its own hash, a deleted or reordered row breaks the next link) and runs PRAGMA integrity_check. Read-only.",
      "Checks whichever chain the file carries (prev_hash/event_hash, upstream's chain_hash, both, or none). Rows no chain covers are counted as unchained, not as tampering; sequences missing where a compaction.performed event accounts for them are counted as compacted.",
    ],
    exit1:
      "the chain or the integrity check failed (the message names the first bad sequence), or no such database",
  },
  async run({ args }) {
    await withReadLog(openReadLog(args), async (store) => {
      const report = await store.verify((n) => log.debug(`checked ${n} events`));
      const out = new LineWriter();
      if (args.json) {
        await out.line(
          jsonLine({
            ok: report.ok,
            path: store.path,
            events_checked: report.eventsChecked,
            latest_sequence: report.latestSequence,
            first_bad_sequence: report.firstBadSequence,
            problem: report.problem,
            integrity: report.integrity,
            chains: report.chains,
            chained_checked: report.chainedChecked,
            unchained: report.unchained,
            rules: report.rules,
            compacted: report.compacted,
          }),
        );
      } else if (report.ok) {
        await out.line(
          `ok: ${report.eventsChecked} events, ${chainSummary(report)}, ${store.engine === "sqlite" ? "SQLite integrity ok" : "every sequence present"} (${store.path})`,
        );
      }
      await out.flush();
      if (!integrityOk(report)) {
        for (const line of report.integrity) log.debug(`integrity check: ${line}`);
      }
      if (!report.ok) throw failure(store.path, report);
    });
  },
});
