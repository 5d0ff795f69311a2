import type { FmailEventsConfig } from "../fmail/config.ts";
import type { LoopEventPublisherStats } from "../fmail/publisher.ts";
import type { LinkData } from "./worker-link.ts";

/**
 * The messages between the fmail sink (on the runner's thread) and its publisher (on a worker
 * thread, see fmail-worker.ts). Each record goes with the time the runner's clock gave when it
 * was handed over, which is the publisher's clock for that record.
 */
export type ToPublisher =
  | { type: "record"; record: unknown; at: number }
  | { type: "flush"; id: number }
  | { type: "close"; id: number };

export type FromPublisher =
  | { type: "ready" }
  | { type: "warn"; text: string }
  | { type: "done"; id: number; stats: LoopEventPublisherStats };

export interface PublisherData extends LinkData {
  events: FmailEventsConfig;
  cwd: string | undefined;
}
