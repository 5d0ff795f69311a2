import type { FmailEventsConfig } from "../fmail/config.ts";
import { LoopEventPublisher, type LoopEventPublisherStats } from "../fmail/publisher.ts";
import type { Logger } from "../io/warn-once.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import type { Sink } from "./sink.ts";

/** Loop lifecycle events derived from the records, published to an fmail topic when enabled. */
export class FmailSink implements Sink<LoopEventPublisherStats> {
  private readonly publisher: LoopEventPublisher;

  constructor(
    events: FmailEventsConfig,
    options: { now: () => Date; logger: Logger; cwd: string },
  ) {
    this.publisher = new LoopEventPublisher(events, {
      now: options.now,
      logger: options.logger,
      ...(events.root ? {} : { cwd: options.cwd }),
    });
  }

  write(record: AnyLegacyRecord): void {
    this.publisher.observe(record);
  }

  flush(): void {}

  close(): void {}

  stats(): LoopEventPublisherStats {
    return this.publisher.stats();
  }
}
