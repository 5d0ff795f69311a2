import { onStopSignals } from "../io/stop-signals.ts";
import { startServer } from "../serve/server.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import { parseOptionalWhole } from "./common/options.ts";
import { pickSource, sourceArg } from "./common/source.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "serve",
    description: "Serve the report live, with new events pushed, /metrics, /events and /healthz",
  },
  args: {
    port: {
      type: "string",
      valueHint: "n",
      description: "TCP port (0: any free one)",
      default: "8787",
    },
    host: {
      type: "string",
      valueHint: "address",
      description: "Address to listen on; other machines only with an explicit --host 0.0.0.0",
      default: "127.0.0.1",
    },
    interval: {
      type: "string",
      valueHint: "ms",
      description: "How often open pages look for new events in a SQLite file, in milliseconds",
      default: "200",
    },
    source: sourceArg("whose loop to serve"),
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog serve",
      "forge-eventlog serve --db /var/lib/forge/events.db --port 9000",
      "forge-eventlog serve --db postgres://forge@db.internal/fleet --source host-a",
      "curl 'http://127.0.0.1:8787/events?since=100'",
    ],
    notes: [
      "/ is the report page; events that land while it is open appear on it (Server-Sent Events from /sse, fed by the same follow loop as 'tail'). /events?since=<seq>[&limit=<n>] gives the events after <seq> as 'replay --json' lines, at most 10,000 per answer; /metrics the 'metrics' text; /healthz 'ok <latest sequence>'.",
      "A PostgreSQL log (--db postgres://...) is served the same way, one runner's loop at a time (--source, needed once several runners shipped into it); new events are pushed on NOTIFY, and /metrics leaves out the mirror, quarantine and file size lines.",
      "Read-only: the database is opened read-only and never written. A bad query parameter gets 400 with one line saying what the page takes.",
      "Ctrl-C (SIGINT) or SIGTERM stops it with exit code 0.",
    ],
  },
  async run({ args }) {
    const port = parseOptionalWhole(args.port, "--port") ?? 8787;
    if (port > 65535) throw usageError(`--port must be 0..65535 (got ${port})`);
    const intervalMs = parseOptionalWhole(args.interval, "--interval", 10) ?? 200;
    const hostname = (args.host ?? "127.0.0.1").trim();
    if (hostname === "") throw usageError("--host needs an address, e.g. 127.0.0.1");
    await withReadLog(openReadLog(args, { intervalMs }), async (store) => {
      const source = await pickSource(store, args.source);
      let server: ReturnType<typeof startServer>;
      try {
        server = startServer(store, { port, hostname, intervalMs, source });
      } catch (e) {
        throw usageError(
          `cannot listen on ${hostname}:${port} (${(e as Error).message}); pick another --port or --host`,
        );
      }
      const stopped = new Promise<void>((resolve) => {
        const signals = onStopSignals({
          secondExits: true,
          onFirst: () => {
            signals.dispose();
            void server.stop().then(resolve);
          },
        });
      });
      const what = source === undefined ? store.path : `${store.path} (${source})`;
      log.info(`serving ${what} at ${server.url} (read-only); Ctrl-C to stop`);
      await stopped;
      log.debug("stopped");
    });
  },
});
