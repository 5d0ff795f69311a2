import type { KeyFormat } from "../mirror/idempotency-key.ts";
import { startWorker, workerModuleUrl } from "../runtime/worker-module.ts";
import { orderedEventIds } from "../store/event-ids.ts";
import { type LinePlan, planLines, type TsClock } from "./line-plan.ts";
import { type PackedPlans, unpackPlans } from "./plan-transport.ts";

/** A batch's plans, and the clock (the last record `ts`) after it. */
export interface Prepared {
  plans: LinePlan[];
  lastTs: string | null;
}

/**
 * Turns batches of lines into plans: on a worker thread when there is one, else inline.
 * Batches are planned in order, the ts clock running on from one to the next; `startTs`
 * (not undefined) resets it, for the first batch read from a (re)opened position.
 */
export interface LinePreparer {
  readonly threaded: boolean;
  prepare(texts: string[], startTs?: string | null): Promise<Prepared>;
  close(): void;
}

class InlinePreparer implements LinePreparer {
  readonly threaded = false;
  private readonly newEventId = orderedEventIds();
  private readonly clock: TsClock = { lastTs: null };

  constructor(private readonly keyFormat: KeyFormat) {}

  prepare(texts: string[], startTs?: string | null): Promise<Prepared> {
    try {
      if (startTs !== undefined) this.clock.lastTs = startTs;
      const plans = planLines(texts, this.newEventId, this.clock, this.keyFormat);
      return Promise.resolve({ plans, lastTs: this.clock.lastTs });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): void {}
}

type Reply =
  | { ready: true }
  | { id: number; plans: PackedPlans; lastTs: string | null }
  | { id: number; error: string };

class WorkerPreparer implements LinePreparer {
  readonly threaded = true;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (prepared: Prepared) => void; reject: (e: Error) => void }
  >();

  constructor(
    private readonly worker: Worker,
    private readonly keyFormat: KeyFormat,
  ) {
    worker.onmessage = ({ data }: MessageEvent<Reply>) => {
      if ("ready" in data) return;
      const waiter = this.waiting.get(data.id);
      this.waiting.delete(data.id);
      if ("error" in data) waiter?.reject(new Error(`preparing lines failed: ${data.error}`));
      else waiter?.resolve({ plans: unpackPlans(data.plans), lastTs: data.lastTs });
    };
    worker.onerror = (event: ErrorEvent) =>
      this.failAll(new Error(`line worker failed: ${event.message}`));
  }

  prepare(texts: string[], startTs?: string | null): Promise<Prepared> {
    const id = this.nextId++;
    const plans = new Promise<Prepared>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, texts, startTs, keyFormat: this.keyFormat });
    });
    // Read-ahead that is dropped (a stop, an error, a truncation) is never awaited: its
    // rejection on close must not surface as an unhandled rejection. Awaiting it still throws.
    plans.catch(() => {});
    return plans;
  }

  close(): void {
    this.worker.terminate();
    this.failAll(new Error("line worker closed"));
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

const WORKER_START_TIMEOUT_MS = 10_000;

/**
 * A worker thread preparing lines, or undefined when this runtime has no Worker or the
 * worker's module cannot be loaded (e.g. a compiled binary built without it as an entrypoint).
 */
async function startWorkerPreparer(keyFormat: KeyFormat): Promise<LinePreparer | undefined> {
  const worker = startWorker(workerModuleUrl(import.meta.url, "follow", "prepare-worker"));
  if (worker === undefined) return undefined;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), WORKER_START_TIMEOUT_MS);
    worker.onmessage = ({ data }: MessageEvent<Reply>) => {
      clearTimeout(timer);
      resolve("ready" in data);
    };
    worker.onerror = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
  if (!ready) {
    worker.terminate();
    return undefined;
  }
  return new WorkerPreparer(worker, keyFormat);
}

/**
 * The worker when it starts, else inline; `threads: false` asks for inline. `keyFormat` is the
 * format of the database the plans are for.
 */
export async function startPreparer(keyFormat: KeyFormat, threads = true): Promise<LinePreparer> {
  return (
    (threads ? await startWorkerPreparer(keyFormat) : undefined) ?? new InlinePreparer(keyFormat)
  );
}
