import { hostname } from "node:os";
import { onStopSignals } from "../io/stop-signals.ts";
import { ship } from "../ship/shipper.ts";
import { requireBun } from "../store/pg/client.ts";
import { isPostgresUrl, parsePgTarget } from "../store/pg/target.ts";
import { openWrite, withStore } from "./common/database.ts";
import { parseOptionalWhole } from "./common/options.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "ship",
    description: "Copy the local event log into a shared PostgreSQL log, resumably",
  },
  args: {
    to: {
      type: "string",
      valueHint: "url",
      description: "The PostgreSQL log: postgres://user@host:5432/database[?schema=name]",
    },
    follow: {
      type: "boolean",
      description: "Keep shipping new events; wait out PostgreSQL being down",
    },
    source: {
      type: "string",
      valueHint: "name",
      description:
        "This log's name in the fleet (default: <runner-id>@<host-id>, else <host>:<db path>)",
    },
    "runner-id": { type: "string", valueHint: "id", description: "Stored as runner_id" },
    "host-id": {
      type: "string",
      valueHint: "id",
      description: "Stored as host_id (default: hostname)",
    },
    batch: {
      type: "string",
      valueHint: "n",
      description: "Events per PostgreSQL transaction",
      default: "2000",
    },
    interval: {
      type: "string",
      valueHint: "ms",
      description: "How often --follow looks for new local events, in milliseconds",
      default: "200",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog ship --to postgres://forge@db.internal:5432/fleet",
      "forge-eventlog ship --db .forge/events.db --to postgres://forge@db/fleet --follow --source runner-a1@build-host-3",
    ],
    notes: [
      "Its position is the local cursor ship:<target>, moved only after PostgreSQL committed: a crash or kill re-ships at most one batch, which PostgreSQL stores once (by event_id).",
      "Keep --source the same for one local log: idempotency keys are unique per source.",
      "PostgreSQL commands need Bun (the compiled binary has it).",
    ],
    exit1:
      "PostgreSQL refused the target (unreachable without --follow, login, not ours, newer schema)",
  },
  async run({ args }) {
    if (args.to === undefined || !isPostgresUrl(args.to)) {
      throw usageError("ship needs --to postgres://user@host:5432/database");
    }
    const batchSize = parseOptionalWhole(args.batch, "--batch", 1) ?? 2000;
    const intervalMs = parseOptionalWhole(args.interval, "--interval", 10) ?? 200;
    const to = args.to;
    requireBun(parsePgTarget(to));
    await withStore(openWrite(args), async (local) => {
      const hostId = args["host-id"] ?? hostname();
      const runnerId = args["runner-id"] ?? null;
      const source =
        args.source ?? (runnerId ? `${runnerId}@${hostId}` : `${hostname()}:${local.path}`);
      const signals = onStopSignals({ secondExits: true });
      const out = new LineWriter();
      let lastReport = Date.now();
      try {
        log.debug(`shipping ${local.path} to ${parsePgTarget(to).label} as ${source}`);
        const p = await ship(local, {
          to,
          origin: { source, runner_id: runnerId, host_id: hostId },
          follow: args.follow === true,
          signal: signals.signal,
          batchSize,
          intervalMs,
          onBatch: async (p) => {
            if (args.json) {
              await out.line(
                jsonLine({
                  shipped: p.shipped,
                  skipped: p.skipped,
                  local_sequence: p.localSequence,
                  local_latest: p.localLatest,
                  target_sequence: p.targetSequence,
                }),
              );
              await out.flush();
            }
            if (Date.now() - lastReport >= 2000) {
              lastReport = Date.now();
              log.info(`shipped up to local ${p.localSequence} of ${p.localLatest}`);
            }
          },
          onOutage: (e, ms) => log.warn(`${e.message}; retrying in ${ms} ms`),
          onReconnect: () => log.info("PostgreSQL is back; shipping"),
          onRewind: (cursor, held) =>
            log.warn(
              `the target holds ${source} only up to local sequence ${held}, the cursor said ${cursor}: shipping from ${held + 1}`,
            ),
        });
        if (args.json) {
          await out.line(
            jsonLine({
              done: true,
              shipped: p.shipped,
              skipped: p.skipped,
              local_sequence: p.localSequence,
              local_latest: p.localLatest,
            }),
          );
        } else {
          await out.line(
            `shipped ${p.shipped} events (${p.skipped} already there), local ${p.localSequence} of ${p.localLatest}`,
          );
        }
      } finally {
        signals.dispose();
        await out.flush();
      }
    });
  },
});
