import { describeError } from "../errors.ts";
import type { FmailEventsConfig } from "../fmail/config.ts";
import { LoopEventPublisher, type LoopEventPublisherStats } from "../fmail/publisher.ts";
import type { Logger } from "../io/warn-once.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import type { FromPublisher, PublisherData, ToPublisher } from "./fmail-protocol.ts";
import type { Sink } from "./sink.ts";
import { pluginWorkerUrl, ThreadLink } from "./worker-link.ts";

interface FmailSinkOptions {
  now: () => Date;
  logger: Logger;
  cwd: string;
}

/** How long close() and stats() wait for the publisher's thread. */
const WAIT_MS = 10_000;

/**
 * Loop lifecycle events derived from the records, published to an fmail topic when enabled.
 * Enabled, the publisher runs on a worker thread: the hook only hands the record over (with
 * the clock's time) and never waits on fmail's file writes. Without a worker thread it
 * publishes inline, as before there was one. Disabled, it touches nothing.
 */
export class FmailSink implements Sink<LoopEventPublisherStats> {
  private latest: LoopEventPublisherStats = { derived: 0, filtered: 0, published: 0, failed: 0 };
  private nextId = 0;
  private closed = false;
  /** Whether the publisher was started on a worker thread. */
  readonly threaded: boolean;

  private constructor(
    private readonly options: FmailSinkOptions,
    private readonly inline: LoopEventPublisher | null,
    private link: ThreadLink<ToPublisher, FromPublisher> | null,
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
    if (!events.enabled) return new FmailSink(options, inline(), null);
    let sink: FmailSink | null = null;
    const data: Omit<PublisherData, "port" | "signal"> = {
      events,
      cwd: events.root ? undefined : options.cwd,
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
      return new FmailSink(options, inline(), null);
    }
    sink = new FmailSink(options, null, link);
    return sink;
  }

  write(record: AnyLegacyRecord): void {
    if (this.inline) {
      this.inline.observe(record);
      return;
    }
    const link = this.link;
    if (!link || this.closed) return;
    const at = this.options.now().getTime();
    try {
      link.post({ type: "record", record, at });
    } catch {
      // Structured clone refused a field (a function or the like): its JSON form goes instead.
      try {
        link.post({ type: "record", record: JSON.parse(JSON.stringify(record)), at });
      } catch (e) {
        this.latest = { ...this.latest, failed: this.latest.failed + 1 };
        this.options.logger.warn(
          `fmail events: could not hand a record to the fmail publisher (${describeError(e)})`,
        );
      }
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
    return { ...this.latest };
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
