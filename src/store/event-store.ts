import type { KeyFormat } from "../mirror/idempotency-key.ts";
import {
  append,
  appendBatch,
  appendEncoded,
  type EncodedEvent,
  type InsertOutcome,
} from "./append.ts";
import { BULK_WRITE_PRAGMAS } from "./bulk-writes.ts";
import { type CompactionPlan, type CompactionResult, compact, planCompaction } from "./compact.ts";
import {
  type ConflictInput,
  type ConflictRow,
  countConflicts,
  countKeyPrefix,
  hasKey,
  hasKeyPrefix,
  keysOfTask,
  listConflicts,
  recordConflict,
} from "./conflicts.ts";
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
import {
  type FollowPosition,
  listFollowPositions,
  loadFollowPosition,
  saveFollowPosition,
} from "./follow-positions.ts";
import { busyTimeoutSql, type OpenOptions, openContext, openContextWith } from "./open.ts";
import {
  clearTimelineState,
  type HaltRow,
  loadTimelineLoop,
  loadTimelineTask,
  saveTimelineState,
  storedTimelineHalts,
  storedTimelineTasks,
} from "./projection-state.ts";
import {
  countQuarantine,
  countsOfSource,
  type LineOrigin,
  listQuarantine,
  type QuarantinedLine,
  quarantinedLine,
  quarantineLine,
  releaseQuarantined,
} from "./quarantine.ts";
import {
  type EventJsonLine,
  eventAt,
  eventById,
  eventByKey,
  type FoldEvent,
  type FoldPayloads,
  latestSequence,
  type SinceFilter,
  since,
  sinceFold,
  sinceJson,
} from "./read.ts";
import type { AppendInput, AppendOptions, AppendResult, StoredEvent } from "./record.ts";
import { keyFormat } from "./settings.ts";
import { dataVersion, type EventRange, eventRange, eventsByKind, schemaVersion } from "./stats.ts";
import { writeTransaction } from "./transaction.ts";
import { type VerifyReport, verify, verifyConcurrently } from "./verify.ts";

/** The durable event log: one SQLite WAL file, one connection. Not safe to share across threads. */
export class EventStore {
  private closed = false;
  private recordedKeyFormat: KeyFormat | undefined;

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

  /** Opened for reading only: nothing may be written through it. */
  get readonly(): boolean {
    return this.ctx.readonly;
  }

  get runtime(): string {
    return this.ctx.sql.runtime;
  }

  /** The driver module this store was opened with (to open another file the same way). */
  get driver(): DriverModule {
    return this.ctx.driver;
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

  /** Settings for a connection that writes batch after batch (BULK_WRITE_PRAGMAS). */
  tuneForBulkWrites(): void {
    for (const pragma of BULK_WRITE_PRAGMAS) this.ctx.sql.exec(pragma);
  }

  /**
   * Runs `fn` with SQLite's busy timeout at `ms` instead of the store's (0: a write lock held
   * by another connection fails at once, as db_locked), then sets it back.
   */
  withBusyTimeout<T>(ms: number, fn: () => T): T {
    this.ctx.sql.exec(busyTimeoutSql(ms));
    try {
      return fn();
    } finally {
      this.ctx.sql.exec(busyTimeoutSql(this.ctx.busyTimeoutMs));
    }
  }

  since(after = 0, filter?: SinceFilter): Generator<StoredEvent> {
    return since(this.ctx, after, filter);
  }

  /** `since` as the events' JSON lines (event-json.ts), written by SQLite as it reads. */
  sinceJson(after = 0, filter?: SinceFilter): Generator<EventJsonLine> {
    return sinceJson(this.ctx, after, filter);
  }

  /** `since` with only what a fold reads (FoldEvent): fewer columns read, no event built. */
  sinceFold(
    after = 0,
    filter?: Pick<SinceFilter, "limit" | "pageSize"> & { payloads?: FoldPayloads },
  ): Generator<FoldEvent> {
    return sinceFold(this.ctx, after, filter);
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

  eventById(eventId: string): StoredEvent | undefined {
    return eventById(this.ctx, eventId);
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

  /** Keeps a line that could not be mirrored (once per source, line and text). */
  quarantine(origin: LineOrigin, reason: string): boolean {
    return quarantineLine(this.ctx, origin, reason);
  }

  listQuarantine(limit = 100): QuarantinedLine[] {
    return listQuarantine(this.ctx, limit);
  }

  countQuarantine(): number {
    return countQuarantine(this.ctx);
  }

  quarantinedLine(id: number): QuarantinedLine | undefined {
    return quarantinedLine(this.ctx, id);
  }

  /** Drops a quarantined line once it is mirrored; call inside the transaction that mirrors it. */
  releaseQuarantined(id: number): boolean {
    return releaseQuarantined(this.ctx, id);
  }

  /** Quarantined lines and conflicts of one followed path, its rotated copies included. */
  countsOfSource(source: string): { quarantined: number; conflicts: number } {
    return countsOfSource(this.ctx, source);
  }

  /** Keeps an event refused because its key holds other content (once per key and content). */
  recordConflict(conflict: ConflictInput): boolean {
    return recordConflict(this.ctx, conflict);
  }

  listConflicts(limit = 100): ConflictRow[] {
    return listConflicts(this.ctx, limit);
  }

  /** 0 for a database without the conflicts table. */
  countConflicts(): number {
    return countConflicts(this.ctx);
  }

  /** The idempotency key format the mirror writes into this database (fixed when created). */
  keyFormat(): KeyFormat {
    this.recordedKeyFormat ??= keyFormat(this.ctx);
    return this.recordedKeyFormat;
  }

  /** Whether an event holds this idempotency key (one seek on the key index). */
  hasKey(idempotencyKey: string): boolean {
    return hasKey(this.ctx, idempotencyKey);
  }

  /** Whether some event's idempotency key starts with `prefix` (one seek on the key index). */
  hasKeyPrefix(prefix: string): boolean {
    return hasKeyPrefix(this.ctx, prefix);
  }

  /** How many events' idempotency keys start with `prefix`. */
  countKeyPrefix(prefix: string): number {
    return countKeyPrefix(this.ctx, prefix);
  }

  /** The keys starting with `prefix` of one task's events of one kind. */
  keysOfTask(taskId: string, kind: string, prefix: string): string[] {
    return keysOfTask(this.ctx, taskId, kind, prefix);
  }

  loadFollowPosition(source: string): FollowPosition | undefined {
    return loadFollowPosition(this.ctx, source);
  }

  saveFollowPosition(position: FollowPosition): void {
    saveFollowPosition(this.ctx, position);
  }

  listFollowPositions(): FollowPosition[] {
    return listFollowPositions(this.ctx);
  }

  loadTimelineLoop(): string | null {
    return loadTimelineLoop(this.ctx);
  }

  loadTimelineTask(issue: number): string | null {
    return loadTimelineTask(this.ctx, issue);
  }

  /** The stored task states in issue order, read a page at a time. */
  storedTimelineTasks(): Generator<[number, string]> {
    return storedTimelineTasks(this.ctx);
  }

  clearTimelineState(): void {
    clearTimelineState(this.ctx);
  }

  /** Stores tasks' states, the loop's (without its halts) and halts to add. */
  saveTimelineState(
    tasks: Iterable<[number, string]>,
    loopJson: string,
    halts: Iterable<HaltRow> = [],
  ): void {
    saveTimelineState(this.ctx, tasks, loopJson, halts);
  }

  /** The stored halts in sequence order, read a page at a time. */
  storedTimelineHalts(): Generator<HaltRow> {
    return storedTimelineHalts(this.ctx);
  }

  eventRange(): EventRange {
    return eventRange(this.ctx);
  }

  eventsByKind(): { kind: string; count: number }[] {
    return eventsByKind(this.ctx);
  }

  schemaVersion(): number {
    return schemaVersion(this.ctx);
  }

  /** Changes whenever another connection commits: a cheap check before reading new events. */
  dataVersion(): number {
    return dataVersion(this.ctx);
  }

  /**
   * Runs `fn` in one write transaction: a projection stores its state and its cursor together,
   * so a crash leaves both before or both after. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T, doing = "running a transaction"): T {
    return writeTransaction(this.ctx, doing, fn);
  }

  /**
   * A cached prepared statement, for extensions that keep tables of their own. forge-eventlog's
   * own tables are reached through the methods above (their SQL sits in `schema/`).
   */
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

  /** `verify`, its integrity check on a worker thread while this one checks the chain. */
  async verifyConcurrently(onProgress?: (checked: number) => void): Promise<VerifyReport> {
    try {
      return await verifyConcurrently(this.ctx, onProgress);
    } catch (e) {
      throw this.ctx.fail(e, "verifying the log");
    }
  }

  /** What `compact()` would remove now, without writing. */
  planCompaction(): CompactionPlan {
    return planCompaction(this.ctx);
  }

  /**
   * Drops noise events (NOISE_KINDS) at or below the slowest projection cursor, never the
   * newest row, re-chains what follows and writes a compaction.performed event; one
   * transaction. With no cursor nothing is known to be consumed, so nothing is removed.
   */
  compact(): CompactionResult {
    return compact(this.ctx);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.sql.close();
  }
}
