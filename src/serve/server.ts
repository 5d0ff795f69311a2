import { eventRecord, jsonLine } from "../cli/common/output.ts";
import { collectMetrics, renderMetrics } from "../metrics/exposition.ts";
import { followEvents } from "../replay/follow-events.ts";
import { storeReadLog } from "../replay/timeline-projection.ts";
import { reportHtml } from "../report/build.ts";
import type { EventStore } from "../store/event-store.ts";

export interface ServeOptions {
  port: number;
  hostname: string;
  /** How often a live page's stream looks for new events. */
  intervalMs: number;
}

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

function eventsAnswer(store: EventStore, url: URL): Response {
  const q = query(url, ["since", "limit"]);
  const limit = Math.min(EVENTS_PAGE, q.get("limit") ?? EVENTS_PAGE);
  if (limit < 1) throw new BadRequest("limit must be a whole number >= 1");
  const lines: string[] = [];
  for (const e of store.since(q.get("since") ?? 0, { limit })) lines.push(jsonLine(eventRecord(e)));
  return text(lines.length === 0 ? "" : `${lines.join("\n")}\n`, 200, "application/x-ndjson");
}

/** The live push: every event after `after` (or Last-Event-ID), as it lands, in SSE frames. */
function eventStream(
  store: EventStore,
  req: Request,
  url: URL,
  options: ServeOptions,
  stopping: AbortSignal,
): Response {
  const q = query(url, ["after"]);
  const lastId = req.headers.get("last-event-id");
  const after =
    lastId && /^\d+$/.test(lastId) ? Number(lastId) : (q.get("after") ?? store.latestSequence());
  const stop = new AbortController();
  const abort = () => stop.abort();
  stopping.addEventListener("abort", abort, { once: true });
  req.signal.addEventListener("abort", abort, { once: true });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: 1000\n: following after ${after}\n\n`));
      // Each page's push wakes on its own: one data_version reading per follower.
      followEvents(
        storeReadLog(store, options.intervalMs),
        { after, signal: stop.signal },
        {
          event: (e) => {
            controller.enqueue(
              encoder.encode(`id: ${e.sequence}\ndata: ${jsonLine(eventRecord(e))}\n\n`),
            );
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
 * The live page over a read-only store: `/` the report (with pushed events), `/sse` the push,
 * `/events?since=` the `replay --json` lines, `/metrics` Prometheus text, `/healthz`.
 */
export function startServer(store: EventStore, options: ServeOptions) {
  const stopping = new AbortController();
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname,
    // A live page's stream stays open without traffic for as long as the loop is quiet.
    idleTimeout: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (req.method !== "GET" && req.method !== "HEAD") {
        return text(`${req.method} is not allowed: this server only reads\n`, 405);
      }
      try {
        switch (url.pathname) {
          case "/": {
            query(url, []);
            const after = store.latestSequence();
            const page = reportHtml(storeReadLog(store), { liveAfter: after });
            return page.then((html) => text(html, 200, "text/html; charset=utf-8"));
          }
          case "/sse":
            return eventStream(store, req, url, options, stopping.signal);
          case "/events":
            return eventsAnswer(store, url);
          case "/metrics":
            query(url, []);
            return text(
              renderMetrics(collectMetrics(store)),
              200,
              "text/plain; version=0.0.4; charset=utf-8",
            );
          case "/healthz":
            query(url, []);
            return text(`ok ${store.latestSequence()}\n`);
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
      stopping.abort();
      await server.stop(true);
    },
  };
}
