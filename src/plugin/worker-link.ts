import { getPriority, setPriority } from "node:os";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { describeError } from "../errors.ts";

/** The replies every plugin worker sends: `ready` first, `done` for each awaited call. */
export type WorkerReply = { type: "ready" } | { type: "done"; id: number } | { type: string };

/** What a plugin worker is started with, besides its own data. */
export interface LinkData {
  /** The worker's end of the channel: all messages both ways go through it. */
  port: MessagePort;
  /** Incremented (and notified) after every `done` reply, for `call`'s Atomics.wait. */
  signal: Int32Array;
}

const WORKER_START_TIMEOUT_MS = 10_000;

/**
 * From source, `<name>.ts` beside this file. In the compiled binary this module is bundled
 * into cli/main.js and each worker is its own entrypoint, plugin/<name>.js (scripts/compile.ts
 * roots the bundle at src/).
 */
export function pluginWorkerUrl(name: string): URL {
  if (import.meta.url.endsWith(".ts")) return new URL(`./${name}.ts`, import.meta.url);
  return new URL(`../plugin/${name}.js`, import.meta.url);
}

/** A worker's niceness: below the runner's, so its work does not take the runner's core. */
export const WORKER_NICE = 10;

/**
 * In a worker: lowers its own thread's priority to WORKER_NICE (on Linux a thread has its own
 * nice value), never raising it; where that is not allowed it stays as it is.
 */
export function lowerThreadPriority(): void {
  try {
    setPriority(0, Math.max(getPriority(0), WORKER_NICE));
  } catch {
    // Not permitted here (or not supported): the worker runs at the runner's priority.
  }
}

/** In a worker: sends a reply, waking a waiting `call` after a `done`. */
export function replyFrom(data: LinkData): (message: WorkerReply) => void {
  return (message) => {
    data.port.postMessage(message);
    if (message.type === "done") {
      Atomics.add(data.signal, 0, 1);
      Atomics.notify(data.signal, 0);
    }
  };
}

/**
 * A plugin worker thread seen from the runner's thread: `call` (flush, close) sends a message
 * and waits synchronously, bounded, for its `done`. Neither the worker nor its port keeps the
 * runner's process alive.
 */
export class ThreadLink<To, From extends WorkerReply> {
  readonly threaded = true;
  private ended = false;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
    private readonly receive: (message: From) => void,
  ) {}

  /** The worker once it said ready, or the reason it could not start. */
  static async start<To, From extends WorkerReply>(
    url: URL,
    data: object,
    receive: (message: From) => void,
    onDeath: (why: string) => void,
  ): Promise<ThreadLink<To, From> | string> {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    let worker: Worker;
    try {
      const workerData: LinkData = { ...data, port: port2, signal };
      worker = new Worker(url, { workerData, transferList: [port2] });
    } catch (e) {
      return describeError(e);
    }
    const started = await new Promise<true | string>((resolve) => {
      const timer = setTimeout(
        () => resolve(`no answer within ${WORKER_START_TIMEOUT_MS} ms`),
        WORKER_START_TIMEOUT_MS,
      );
      port1.once("message", (m: WorkerReply) => {
        clearTimeout(timer);
        resolve(m.type === "ready" ? true : `unexpected first message ${m.type}`);
      });
      worker.once("error", (e) => {
        clearTimeout(timer);
        resolve(describeError(e));
      });
    });
    if (started !== true) {
      void worker.terminate();
      port1.close();
      return started;
    }
    const link = new ThreadLink<To, From>(worker, port1, signal, receive);
    port1.on("message", receive);
    worker.on("error", (e) => onDeath(describeError(e)));
    worker.on("exit", (code) => {
      if (!link.ended) onDeath(`it exited with code ${code}`);
    });
    worker.unref();
    port1.unref();
    return link;
  }

  /** Sends `message` and waits, synchronously, for its `done`; false when none came in time. */
  call(message: To & { id: number }, timeoutMs: number): boolean {
    let seen = Atomics.load(this.signal, 0);
    this.port.postMessage(message);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (let got = receiveMessageOnPort(this.port); got; got = receiveMessageOnPort(this.port)) {
        const reply = got.message as From;
        this.receive(reply);
        if (reply.type === "done" && (reply as { id?: number }).id === message.id) return true;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      // Woken by the worker's notify after a reply; the short cap covers a reply that is
      // signalled before the port shows it.
      Atomics.wait(this.signal, 0, seen, Math.min(left, 20));
      seen = Atomics.load(this.signal, 0);
    }
  }

  end(): void {
    this.ended = true;
    this.port.close();
    void this.worker.terminate();
  }
}
