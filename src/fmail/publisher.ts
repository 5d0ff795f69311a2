import { resolve } from "node:path";
import process from "node:process";
import { consola } from "consola";
import { describeError } from "../errors.ts";
import { type Logger, WarnOnce } from "../io/warn-once.ts";
import { ensureProject, touchAgent } from "./agents.ts";
import {
  type FmailEventsConfig,
  type FmailEventsConfigInput,
  parseFmailEventsConfig,
} from "./config.ts";
import type { LoopEvent, LoopEventName } from "./events.ts";
import { LoopEventDeriver } from "./lifecycle.ts";
import { loopAgentName, normalizeTags, slugName } from "./names.ts";
import { type Published, publish } from "./publish.ts";
import { discoverFmailRoot } from "./root.ts";

export interface LoopEventPublisherOptions {
  /** Working directory for root discovery (default: process.cwd()). */
  cwd?: string;
  /** Environment for root discovery (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Clock for message times and for records without `ts`. */
  now?: () => Date;
  /** Message ID generator (fmail's by default). */
  newId?: (time: Date) => string;
  /** Optional `host` field of every message. */
  host?: string;
  /** fsync each message before it becomes visible. */
  fsync?: boolean;
  /** Where the one failure warning goes (default: consola). */
  logger?: Logger;
}

export interface LoopEventPublisherStats {
  /** Events derived from records. */
  derived: number;
  /** Events left out by `emit`. */
  filtered: number;
  /** Messages written. */
  published: number;
  /** Messages that could not be written. */
  failed: number;
}

/** The tags of an event message: `loop`, the loop's slug, the event with `_` → `-`. */
function eventTags(event: LoopEvent): string[] {
  return normalizeTags(["loop", slugName(event.loop), event.event.replaceAll("_", "-")]);
}

/**
 * Publishes loop lifecycle events to an fmail topic. `observe(record)` derives events from
 * a legacy runner record, keeps those listed in `emit`, and writes each as a message from
 * `loop-<loop>` to the topic. It never throws: a failed write is counted, and the first
 * one is logged with its fix. A disabled publisher touches nothing on disk.
 */
export class LoopEventPublisher {
  readonly config: FmailEventsConfig;
  private readonly opts: LoopEventPublisherOptions;
  private readonly deriver: LoopEventDeriver;
  private readonly emit: ReadonlySet<LoopEventName>;
  private root: string | undefined;
  private readonly warnings: WarnOnce;
  private readonly counts: LoopEventPublisherStats = {
    derived: 0,
    filtered: 0,
    published: 0,
    failed: 0,
  };

  /** Throws `config_invalid` for an invalid config block. */
  constructor(config: FmailEventsConfigInput | undefined, opts: LoopEventPublisherOptions = {}) {
    this.config = parseFmailEventsConfig(config);
    this.opts = opts;
    this.warnings = new WarnOnce(opts.logger ?? consola, "fmail events: ");
    this.emit = new Set(this.config.emit);
    this.deriver = new LoopEventDeriver({
      ...(this.config.loop !== undefined ? { loop: this.config.loop } : {}),
      ...(this.config.pool !== undefined ? { pool: this.config.pool } : {}),
      ...(this.config.profile !== undefined ? { profile: this.config.profile } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    });
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Derive, filter and publish the events of one legacy record. Never throws. */
  observe(record: unknown): Published[] {
    if (!this.config.enabled) return [];
    let events: LoopEvent[];
    try {
      events = this.deriver.observe(record);
    } catch (e) {
      this.fail(`could not derive events from a runner record: ${describeError(e)}`);
      return [];
    }
    this.counts.derived += events.length;
    const out: Published[] = [];
    for (const event of events) {
      const done = this.publishEvent(event);
      if (done) out.push(done);
    }
    return out;
  }

  /**
   * Publish one event (if enabled and listed in `emit`); for loop engines that know their
   * events first-hand. Returns undefined when skipped or failed. Never throws.
   */
  publishEvent(event: LoopEvent): Published | undefined {
    if (!this.config.enabled) return undefined;
    if (!this.emit.has(event.event)) {
      this.counts.filtered++;
      return undefined;
    }
    try {
      const published = publish(
        this.resolveRoot(),
        this.config.topic,
        {
          from: loopAgentName(event.loop),
          body: event,
          tags: eventTags(event),
          ...(this.opts.host ? { host: this.opts.host } : {}),
        },
        {
          ...(this.opts.now ? { now: this.opts.now } : {}),
          ...(this.opts.newId ? { newId: this.opts.newId } : {}),
          ...(this.opts.fsync ? { fsync: true } : {}),
        },
      );
      this.counts.published++;
      this.register(loopAgentName(event.loop), new Date(published.message.time));
      return published;
    } catch (e) {
      this.counts.failed++;
      this.fail(
        `could not publish ${event.event} to fmail topic ${this.config.topic}: ${describeError(e)}`,
      );
      return undefined;
    }
  }

  /** `fmail who` lists the sender: its registry entry, refreshed on each send. Never throws. */
  private register(agent: string, now: Date): void {
    try {
      const root = this.resolveRoot();
      ensureProject(root, now);
      touchAgent(root, agent, { ...(this.opts.host ? { host: this.opts.host } : {}), now });
    } catch (e) {
      this.fail(`could not register fmail agent ${agent}: ${describeError(e)}`);
    }
  }

  stats(): LoopEventPublisherStats {
    return { ...this.counts };
  }

  /** The project root messages go under (resolved on first use). */
  resolveRoot(): string {
    if (this.root === undefined) {
      const cwd = this.opts.cwd ?? process.cwd();
      this.root =
        this.config.root !== undefined
          ? resolve(cwd, this.config.root)
          : discoverFmailRoot(cwd, this.opts.env ?? process.env).root;
    }
    return this.root;
  }

  /** Only the first failure is logged; later ones are only counted. */
  private fail(message: string): void {
    this.warnings.warn(
      "failure",
      `${message} (the loop goes on; later failures are only counted, see stats())`,
    );
  }
}
