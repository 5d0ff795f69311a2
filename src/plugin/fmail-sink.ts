import type { FmailEventsConfig } from "../fmail/config.ts";
import { LoopEventPublisher, type LoopEventPublisherStats } from "../fmail/publisher.ts";
import type { Logger } from "../io/warn-once.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import type { FromPublisher, PublisherData, ToPublisher } from "./fmail-protocol.ts";
import { SharedRing } from "./shared-ring.ts";
import type { Sink } from "./sink.ts";
import { pluginWorkerUrl, ThreadLink } from "./worker-link.ts";

interface FmailSinkOptions {
  now: () => Date;
  logger: Logger;
  cwd: string;
  /** The shared ring's size (`ringBytes`). */
  ringBytes: number;
  /** How often the publisher takes what is in the ring (`mirrorFlushMs`; 0 = at once). */
  pollMs: number;
}

/** How long close() and stats() wait for the publisher's thread. */
const WAIT_MS = 10_000;

/**
 * Loop lifecycle events derived from the records, published to an fmail topic when enabled.
 * Enabled, the publisher runs on a worker thread: the plugin hands over only the records that
 * derive events (`derivesEvents`), by copying their JSONL line and the clock's time into a
 * shared ring the publisher takes from every `pollMs`; the hook never waits on fmail's file
 * writes. A full ring drops the record (counted in `failed`, said once): fmail messages are
 * notifications, not the record. Without a worker thread it publishes inline, as before there
 * was one. Disabled, it touches nothing.
 */
export class FmailSink implements Sink<LoopEventPublisherStats> {
  private latest: LoopEventPublisherStats = { derived: 0, filtered: 0, published: 0, failed: 0 };
  /** Records the ring had no room for. */
  private refused = 0;
  private nextId = 0;
  private closed = false;
  /** Whether the publisher was started on a worker thread. */
  readonly threaded: boolean;

  private constructor(
    private readonly options: FmailSinkOptions,
    private readonly inline: LoopEventPublisher | null,
    private link: ThreadLink<ToPublisher, FromPublisher> | null,
    private readonly ring: SharedRing | null,
    readonly enabled: boolean,
  ) {
    this.threaded = link !== null;
  }

  static async start(events: FmailEventsConfig, options: FmailSinkOptions): Promise<FmailSink> {
    const inline = () =>
      new LoopEventPublisher(events, {
        now: options.now,
        logger: options.logger,
        ...(events.root ? {} : { cwd: options.cwd }),
      });
    if (!events.enabled) return new FmailSink(options, inline(), null, null, false);
    let sink: FmailSink | null = null;
    const ring = SharedRing.create(options.ringBytes);
    const data: Omit<PublisherData, "port" | "signal"> = {
      events,
      cwd: events.root ? undefined : options.cwd,
      ring: ring.buffer,
      pollMs: options.pollMs,
    };
    const link = await ThreadLink.start<ToPublisher, FromPublisher>(
      pluginWorkerUrl("fmail-worker"),
      data,
      (m) => sink?.receive(m),
      (why) => sink?.died(why),
    );
    if (typeof link === "string") {
      options.logger.warn(
        `forge-eventlog: could not start the fmail worker thread (${link}); publishing on the runner's thread instead`,
      );
      return new FmailSink(options, inline(), null, null, true);
    }
    sink = new FmailSink(options, null, link, ring, true);
    return sink;
  }

  /** One record that derives events, and its JSONL line. Never waits, never throws. */
  write(record: AnyLegacyRecord, line: Uint8Array): void {
    if (this.inline) {
      this.inline.observe(record);
      return;
    }
    const ring = this.ring;
    if (!ring || !this.link || this.closed) return;
    if (ring.push(0, this.options.now().getTime(), line)) {
      if (this.options.pollMs === 0) ring.wake();
      return;
    }
    if (this.refused++ === 0) {
      this.options.logger.warn(
        `fmail events: the fmail publisher's ring (ringBytes ${ring.capacity}) was full; records it had no room for are not published (counted in stats().fmail.failed)`,
      );
    }
  }

  flush(): void {
    this.call("flush");
  }

  close(): void {
    if (this.closed) return;
    this.call("close");
    this.closed = true;
    this.link?.end();
    this.link = null;
  }

  /** With a worker: waits (bounded) for it to publish what it was handed, then its counts. */
  stats(): LoopEventPublisherStats {
    if (this.inline) return this.inline.stats();
    this.call("flush");
    return { ...this.latest, failed: this.latest.failed + this.refused };
  }

  private call(type: "flush" | "close"): void {
    const link = this.link;
    if (!link) return;
    if (!link.call({ type, id: ++this.nextId }, WAIT_MS)) {
      this.options.logger.warn(
        `fmail events: the fmail publisher did not answer ${type} within ${WAIT_MS} ms; some lifecycle messages may be missing`,
      );
    }
  }

  private receive(message: FromPublisher): void {
    if (message.type === "done") this.latest = message.stats;
    else if (message.type === "warn") this.options.logger.warn(message.text);
  }

  private died(why: string): void {
    if (this.closed || !this.link) return;
    const link = this.link;
    this.link = null;
    link.end();
    this.options.logger.warn(
      `fmail events: the fmail publisher's thread stopped (${why}); lifecycle messages after this are not published`,
    );
  }
}
