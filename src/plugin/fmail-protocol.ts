import type { FmailEventsConfig } from "../fmail/config.ts";
import type { LoopEventPublisherStats } from "../fmail/publisher.ts";
import type { LinkData } from "./worker-link.ts";

/**
 * What passes between the fmail sink (on the runner's thread) and its publisher (on a worker
 * thread, see fmail-worker.ts). Records go through a SharedRing, one frame each: the JSONL
 * line's bytes, stamped with the time the runner's clock gave when it was handed over, which
 * is the publisher's clock for that record. Only flush/close and the replies are messages.
 */
export type ToPublisher = { type: "flush"; id: number } | { type: "close"; id: number };

export type FromPublisher =
  | { type: "ready" }
  | { type: "warn"; text: string }
  | { type: "done"; id: number; stats: LoopEventPublisherStats };

export interface PublisherData extends LinkData {
  events: FmailEventsConfig;
  cwd: string | undefined;
  /** The SharedRing's buffer. */
  ring: SharedArrayBuffer;
  /** How often the publisher takes what is in the ring; 0 = at once (woken per record). */
  pollMs: number;
}
