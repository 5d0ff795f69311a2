import { EventLogError, isEventLogError } from "../errors.ts";
import { sleep } from "../io/sleep.ts";
import type { EventStore } from "../store/event-store.ts";
import type { EventOrigin } from "../store/pg/columns.ts";
import { PgEventStore } from "../store/pg/pg-store.ts";
import { parsePgTarget } from "../store/pg/target.ts";

export interface ShipProgress {
  /** Events stored in PostgreSQL by this run. */
  shipped: number;
  /** Events PostgreSQL already held (shipped before a crash): not stored again. */
  skipped: number;
  /** The local cursor: every local event up to it is in PostgreSQL. */
  localSequence: number;
  /** The local log's latest sequence when last looked at. */
  localLatest: number;
  /** PostgreSQL's latest sequence after the last commit. */
  targetSequence: number;
}

export interface ShipOptions {
  to: string;
  origin: Omit<EventOrigin, "source_sequence">;
  /** Keep shipping new events until `signal` aborts; survive PostgreSQL being away. */
  follow: boolean;
  signal: AbortSignal;
  batchSize?: number;
  /** How often --follow looks for new local events (the same wake-up as `tail`). */
  intervalMs?: number;
  onBatch?: (p: ShipProgress) => void | Promise<void>;
  /** PostgreSQL went away (follow): the retry is in `retryMs`. */
  onOutage?: (error: Error, retryMs: number) => void;
  onReconnect?: () => void;
  /** The target holds less of this source than the local cursor said. */
  onRewind?: (cursor: number, held: number) => void;
}

/** The local cursor that says how far a target has been shipped. */
export function shipCursorName(to: string): string {
  return `ship:${parsePgTarget(to).label}`;
}

const MAX_BACKOFF_MS = 5000;

/**
 * How long one step against PostgreSQL (connect, resume, one batch) may take before the
 * connection counts as lost. A client whose connection broke (a backend terminated mid-query)
 * can leave a query that never settles; without a deadline `--follow` would wait on it
 * forever, and with a long one it stops shipping for as long. A batch of the default 2000
 * events takes well under a second.
 */
export const STEP_DEADLINE_MS = 15_000;

function withDeadline<T>(step: Promise<T>, to: string, doing: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EventLogError(
            "pg_unreachable",
            `no answer from PostgreSQL at ${parsePgTarget(to).label} within ${STEP_DEADLINE_MS / 1000} s while ${doing}`,
          ),
        ),
      STEP_DEADLINE_MS,
    );
  });
  return Promise.race([step, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The local cursor is a hint, PostgreSQL the truth: when the target holds less of this source
 * than the cursor says (restored from a backup, emptied), shipping resumes from what it holds.
 */
async function resume(
  local: EventStore,
  target: PgEventStore,
  cursor: string,
  options: ShipOptions,
  progress: ShipProgress,
): Promise<void> {
  const source = options.origin.source;
  if (source === null) return;
  const held = await target.shippedUpTo(source);
  if (held < progress.localSequence) {
    options.onRewind?.(progress.localSequence, held);
    local.setCursor(cursor, held, { rewind: true });
    progress.localSequence = held;
  }
}

/**
 * Copies the local log into PostgreSQL in commit order. The local cursor `ship:<target>` moves
 * only after PostgreSQL committed, so a crash at any instant re-ships at most one batch, which
 * PostgreSQL recognises by event_id and stores once.
 */
export async function ship(local: EventStore, options: ShipOptions): Promise<ShipProgress> {
  const cursor = shipCursorName(options.to);
  const batchSize = options.batchSize ?? 2000;
  const progress: ShipProgress = {
    shipped: 0,
    skipped: 0,
    localSequence: local.getCursor(cursor),
    localLatest: local.latestSequence(),
    targetSequence: 0,
  };
  let target: PgEventStore | undefined;
  let backoff = 100;
  let seen = -1;
  try {
    while (!options.signal.aborted) {
      try {
        if (target === undefined) {
          const opened = withDeadline(PgEventStore.open(options.to), options.to, "connecting");
          target = await opened;
          await withDeadline(
            resume(local, target, cursor, options, progress),
            options.to,
            "reading how far this source was shipped",
          );
        }
        if (backoff > 100) options.onReconnect?.();
        backoff = 100;
        const version = local.dataVersion();
        const caughtUp = progress.localSequence >= progress.localLatest;
        if (caughtUp && version === seen) {
          if (!options.follow) break;
          await sleep(options.intervalMs ?? 200, options.signal);
          continue;
        }
        seen = version;
        progress.localLatest = local.latestSequence();
        const events = [...local.since(progress.localSequence, { limit: batchSize })];
        if (events.length === 0) {
          if (!options.follow) break;
          continue;
        }
        const r = await withDeadline(
          target.ship(events, options.origin),
          options.to,
          `shipping ${events.length} events`,
        );
        const last = events[events.length - 1]?.sequence ?? progress.localSequence;
        local.advanceCursor(cursor, last);
        progress.localSequence = last;
        progress.shipped += r.stored;
        progress.skipped += r.skipped;
        progress.targetSequence = r.latestSequence;
        await options.onBatch?.(progress);
      } catch (e) {
        if (!options.follow || !isEventLogError(e, "pg_unreachable")) throw e;
        await target?.abandon();
        target = undefined;
        options.onOutage?.(e, backoff);
        await sleep(backoff, options.signal);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  } finally {
    await target?.close();
  }
  return progress;
}
