import type { CompactionPlan } from "../store/compact.ts";
import { NOISE_KINDS } from "../store/compact.ts";
import { openRead, openWrite, withStore } from "./common/database.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

function removedText(p: CompactionPlan): string {
  const kinds = Object.entries(p.removed)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  return `${p.removedTotal} events (${kinds}) between sequences ${p.firstSequence} and ${p.lastSequence}`;
}

function boundText(p: CompactionPlan): string {
  return p.slowestCursor
    ? `at or below the slowest cursor '${p.slowestCursor.name}' (${p.slowestCursor.sequence})`
    : "";
}

export default defineCommand({
  meta: {
    name: "compact",
    description: "Drop heartbeats and observations every projection has read; re-chain the rest",
  },
  args: {
    "dry-run": {
      type: "boolean",
      description: "Print what would be removed and re-chained; write nothing",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog compact --dry-run",
      "forge-eventlog compact --db /var/lib/forge/events.db",
      "forge-eventlog compact --json && forge-eventlog verify",
    ],
    notes: [
      `Removes only noise kinds (${NOISE_KINDS.join(", ")}) at or below the slowest projection cursor, never the newest event; every other kind, and everything after that cursor, is kept. With no cursor nothing is known to be consumed, so nothing is removed.`,
      "In one transaction: the rows after the first removed one are checked (a broken chain is refused, exit 1), the noise is deleted, those rows are re-chained, and a compaction.performed event records the counts by kind and the sequence span. 'verify' accepts the gaps it explains.",
      "--json prints one object: slowest_cursor, removed (by kind), removed_total, first_sequence, last_sequence, rechain, performed, marker_sequence, dry_run.",
    ],
    exit1:
      "no such database, it is locked, or its chain is broken after the first event to remove (compacting would hide the break)",
  },
  async run({ args }) {
    const dryRun = args["dry-run"] === true;
    await withStore(dryRun ? openRead(args) : openWrite(args), async (store) => {
      const result = dryRun
        ? { ...store.planCompaction(), performed: false, markerSequence: null }
        : store.compact();
      if (args.json) {
        const out = new LineWriter();
        await out.line(
          jsonLine({
            path: store.path,
            dry_run: dryRun,
            performed: result.performed,
            slowest_cursor: result.slowestCursor,
            removed: result.removed,
            removed_total: result.removedTotal,
            first_sequence: result.firstSequence,
            last_sequence: result.lastSequence,
            rechain: result.rechain,
            marker_sequence: result.markerSequence,
          }),
        );
        await out.flush();
      }
      if (!result.slowestCursor) {
        log.info(
          `nothing to compact in ${store.path}: it has no projection cursor, so no event is known to be read by every projection`,
        );
      } else if (result.removedTotal === 0) {
        log.info(`nothing to compact in ${store.path}: no noise event ${boundText(result)}`);
      } else if (dryRun) {
        log.info(
          `dry run: would remove ${removedText(result)}, ${boundText(result)}, re-chain ${result.rechain} events and record a compaction.performed event; nothing was written (${store.path})`,
        );
      } else {
        log.success(
          `compacted ${store.path}: removed ${removedText(result)}, ${boundText(result)}; re-chained ${result.rechain} events; compaction.performed at sequence ${result.markerSequence}`,
        );
      }
    });
  },
});
