/**
 * The durable sink's worker thread: owns the EventStore through a DurableWriter, so no commit
 * (nor SQLite's busy handler waiting on another process's lock) ever runs on the runner's
 * thread. Started by durable-sink.ts with `workerData` (see WorkerData): milestones come
 * through the shared ring, drained by a DurableFeed; flush/close and the replies go through
 * `workerData.port`. After each `done` reply it bumps `signal` and notifies, which is what the
 * sink's synchronous flush()/close() wait on. It runs at a lower priority than the runner.
 */
import { workerData } from "node:worker_threads";
import { loadDriver } from "../store/load-driver.ts";
import { DurableFeed } from "./durable-feed.ts";
import type { FromWriter, ToWriter, WorkerData } from "./durable-protocol.ts";
import { DurableWriter, unexpectedFailure } from "./durable-writer.ts";
import { SharedRing } from "./shared-ring.ts";
import { lowerThreadPriority, replyFrom } from "./worker-link.ts";

const { settings, port, signal, ring, tally } = workerData as WorkerData;

const send: (message: FromWriter) => void = replyFrom({ port, signal });
lowerThreadPriority();

const driver = await loadDriver();
// Ready before the first open: that open may wait up to busyTimeoutMs on another process's
// lock, and the runner need not wait for it. Milestones meanwhile wait in the ring.
send({ type: "ready" });
const writer = new DurableWriter(settings, driver, send, tally);
const shared = SharedRing.attach(ring);
const feed = new DurableFeed(shared, settings, writer);
const failed = (e: unknown) => send(unexpectedFailure(settings, e));
port.on("message", (message: ToWriter) => {
  try {
    feed.drain();
  } catch (e) {
    failed(e);
  }
  try {
    writer.handle(message);
  } catch (e) {
    failed(e);
  }
  if (message.type === "close") {
    // The loop ends now rather than in a wait the thread's termination would cut short.
    feed.stop();
    shared.wake();
  }
});
// Only here, off the runner's thread, does the writer keep the timeline projection up to date.
await feed.run(failed, () => writer.idle());
