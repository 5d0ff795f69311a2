import { collectLogMetrics, renderMetrics } from "../metrics/exposition.ts";
import { followEvents } from "../replay/follow-events.ts";
import { reportHtml } from "../report/build.ts";
import { eventJsonLine } from "../store/event-json.ts";
import type { ReadLog } from "../store/read-log.ts";

export interface ServeOptions {
  port: number;
  hostname: string;
  /** How often a live page's stream looks for new events. */
  intervalMs: number;
  /** A PostgreSQL log: the runner whose loop the pages show (undefined: the whole log). */
  source?: string | undefined;
}

/** The events the pages show: the chosen runner's, or all of them. */
const sourceFilter = (options: ServeOptions) =>
  options.source === undefined ? {} : { source: options.source };

/** A 400 for a query the route does not take. */
class BadRequest extends Error {}

/** `?since=12` → 12; a route's unknown parameters, and values that are no whole number, are refused. */
function query(url: URL, allowed: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name)) {
      throw new BadRequest(
        allowed.length === 0
          ? `${url.pathname} takes no parameters (got ${JSON.stringify(name)})`
          : `unknown parameter ${JSON.stringify(name)}; ${url.pathname} takes ${allowed.join(", ")}`,
      );
    }
    if (!/^\d{1,15}$/.test(value)) {
      throw new BadRequest(`${name} must be a whole number >= 0 (got ${JSON.stringify(value)})`);
    }
    out.set(name, Number(value));
  }
  return out;
}

const text = (body: string, status = 200, type = "text/plain; charset=utf-8") =>
  new Response(body, { status, headers: { "content-type": type, "cache-control": "no-store" } });

/** At most this many events per /events answer; page with since=. */
export const EVENTS_PAGE = 10_000;

async function eventsAnswer(log: ReadLog, url: URL, options: ServeOptions): Promise<Response> {
  const q = query(url, ["since", "limit"]);
  const limit = Math.min(EVENTS_PAGE, q.get("limit") ?? EVENTS_PAGE);
  if (limit < 1) throw new BadRequest("limit must be a whole number >= 1");
  const lines: string[] = [];
  for await (const e of log.since(q.get("since") ?? 0, { ...sourceFilter(options), limit })) {
    lines.push(eventJsonLine(e));
  }
  return text(lines.length === 0 ? "" : `${lines.join("\n")}\n`, 200, "application/x-ndjson");
}

/** The live push: every event after `after` (or Last-Event-ID), as it lands, in SSE frames. */
async function eventStream(
  log: ReadLog,
  req: Request,
  url: URL,
  options: ServeOptions,
  stopping: AbortSignal,
): Promise<Response> {
  const q = query(url, ["after"]);
  const lastId = req.headers.get("last-event-id");
  const after =
    lastId && /^\d+$/.test(lastId)
      ? Number(lastId)
      : (q.get("after") ?? (await log.latestSequence()));
  const stop = new AbortController();
  const abort = () => stop.abort();
  stopping.addEventListener("abort", abort, { once: true });
  req.signal.addEventListener("abort", abort, { once: true });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: 1000\n: following after ${after}\n\n`));
      // Each page's push is its own follower (its own signal), woken on its own.
      followEvents(
        log,
        { after, filter: sourceFilter(options), signal: stop.signal },
        {
          event: (e) => {
            controller.enqueue(encoder.encode(`id: ${e.sequence}\ndata: ${eventJsonLine(e)}\n\n`));
          },
        },
      )
        .catch(() => undefined)
        .finally(() => {
          stopping.removeEventListener("abort", abort);
          try {
            controller.close();
          } catch {
            // The client went away first.
          }
        });
    },
    cancel: abort,
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    },
  });
}

/**
 * The live page over a read-only log (a SQLite file or a PostgreSQL log): `/` the report (with
 * pushed events), `/sse` the push, `/events?since=` the `replay --json` lines, `/metrics`
 * Prometheus text, `/healthz`.
 */
export function startServer(log: ReadLog, options: ServeOptions) {
  const stopping = new AbortController();
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname,
    // A live page's stream stays open without traffic for as long as the loop is quiet.
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== "GET" && req.method !== "HEAD") {
        return text(`${req.method} is not allowed: this server only reads\n`, 405);
      }
      try {
        switch (url.pathname) {
          case "/": {
            query(url, []);
            const after = await log.latestSequence();
            const html = await reportHtml(log, { liveAfter: after, source: options.source });
            return text(html, 200, "text/html; charset=utf-8");
          }
          case "/sse":
            return await eventStream(log, req, url, options, stopping.signal);
          case "/events":
            return await eventsAnswer(log, url, options);
          case "/metrics":
            query(url, []);
            return text(
              renderMetrics(await collectLogMetrics(log, options.source)),
              200,
              "text/plain; version=0.0.4; charset=utf-8",
            );
          case "/healthz":
            query(url, []);
            return text(`ok ${await log.latestSequence()}\n`);
          default:
            return text(
              `no such page ${url.pathname}; try /, /events?since=0, /metrics or /healthz\n`,
              404,
            );
        }
      } catch (e) {
        if (e instanceof BadRequest) return text(`${e.message}\n`, 400);
        throw e;
      }
    },
    error(e) {
      return text(`${e.message.split("\n")[0]}\n`, 500);
    },
  });
  return {
    url: `http://${options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname}:${server.port}/`,
    async stop(): Promise<void> {
      // Connections first: ending several streams on our side while Bun closes them can leave
      // its stop() unresolved. Closing a connection cancels its stream; the abort ends the rest.
      await server.stop(true);
      stopping.abort();
    },
  };
}
