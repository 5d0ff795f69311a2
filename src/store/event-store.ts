import {
  append,
  appendBatch,
  appendEncoded,
  type EncodedEvent,
  type InsertOutcome,
} from "./append.ts";
import type { StoreContext } from "./context.ts";
import {
  advanceCursor,
  type CursorRow,
  deleteCursor,
  getCursor,
  listCursors,
  setCursor,
} from "./cursors.ts";
import type { DriverModule, SqlStatement } from "./driver.ts";
import { type OpenOptions, openContext, openContextWith } from "./open.ts";
import { eventAt, eventByKey, latestSequence, type SinceFilter, since } from "./read.ts";
import type { AppendInput, AppendOptions, AppendResult, StoredEvent } from "./record.ts";
import { writeTransaction } from "./transaction.ts";
import { type VerifyReport, verify } from "./verify.ts";

/** The durable event log: one SQLite WAL file, one connection. Not safe to share across threads. */
export class EventStore {
  private closed = false;

  private constructor(private readonly ctx: StoreContext) {}

  static async open(path: string, options: OpenOptions = {}): Promise<EventStore> {
    return new EventStore(await openContext(path, options));
  }

  /** Synchronous open with a driver module from `loadDriver()`. */
  static openWith(driver: DriverModule, path: string, options: OpenOptions = {}): EventStore {
    return new EventStore(openContextWith(driver, path, options));
  }

  get path(): string {
    return this.ctx.path;
  }

  get runtime(): string {
    return this.ctx.sql.runtime;
  }

  append(
    kind: string,
    payload: Record<string, unknown>,
    options: AppendOptions = {},
  ): AppendResult {
    return append(this.ctx, { ...options, kind, payload });
  }

  appendBatch(inputs: readonly AppendInput[]): AppendResult[] {
    return appendBatch(this.ctx, inputs);
  }

  /**
   * Events already encoded with `encodeEvent` (e.g. on a worker thread), in one transaction.
   * Returns each one's place in the chain, or the event that already holds its key.
   */
  appendEncoded(events: readonly EncodedEvent[]): InsertOutcome[] {
    return appendEncoded(this.ctx, events);
  }

  since(after = 0, filter?: SinceFilter): Generator<StoredEvent> {
    return since(this.ctx, after, filter);
  }

  latestSequence(): number {
    return latestSequence(this.ctx);
  }

  eventAt(sequence: number): StoredEvent | undefined {
    return eventAt(this.ctx, sequence);
  }

  eventByKey(idempotencyKey: string): StoredEvent | undefined {
    return eventByKey(this.ctx, idempotencyKey);
  }

  getCursor(name: string): number {
    return getCursor(this.ctx, name);
  }

  setCursor(name: string, sequence: number, options?: { rewind?: boolean }): void {
    setCursor(this.ctx, name, sequence, options);
  }

  advanceCursor(name: string, sequence: number): void {
    advanceCursor(this.ctx, name, sequence);
  }

  deleteCursor(name: string): boolean {
    return deleteCursor(this.ctx, name);
  }

  listCursors(): CursorRow[] {
    return listCursors(this.ctx);
  }

  /**
   * Runs `fn` in one write transaction: a projection stores its state and its cursor together,
   * so a crash leaves both before or both after. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T, doing = "running a transaction"): T {
    return writeTransaction(this.ctx, doing, fn);
  }

  /** A cached prepared statement, for projections and extensions that keep their own tables. */
  statement(sql: string): SqlStatement {
    return this.ctx.stmt(sql);
  }

  exec(sql: string): void {
    try {
      this.ctx.sql.exec(sql);
    } catch (e) {
      throw this.ctx.fail(e, "running SQL");
    }
  }

  verify(onProgress?: (checked: number) => void): VerifyReport {
    try {
      return verify(this.ctx, onProgress);
    } catch (e) {
      throw this.ctx.fail(e, "verifying the log");
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.sql.close();
  }
}

export const openEventStore = EventStore.open;
