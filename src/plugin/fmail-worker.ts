/**
 * The fmail sink's worker thread: derives loop events from the records and writes the
 * messages, so no file creation, fsync or directory scan of fmail runs on the runner's thread.
 * Started by fmail-sink.ts; records come through the shared ring (every `pollMs`), flush/close
 * and the replies through `workerData.port`. It runs at a lower priority than the runner.
 */
import { workerData } from "node:worker_threads";
import { parseLegacyLine } from "../encoding/python-json.ts";
import { describeError } from "../errors.ts";
import { LoopEventPublisher } from "../fmail/publisher.ts";
import type { FromPublisher, PublisherData, ToPublisher } from "./fmail-protocol.ts";
import { drainEvery, SharedRing } from "./shared-ring.ts";
import { lowerThreadPriority, replyFrom } from "./worker-link.ts";

const data = workerData as PublisherData;
const send: (message: FromPublisher) => void = replyFrom(data);
lowerThreadPriority();

let at = Date.now();
const publisher = new LoopEventPublisher(data.events, {
  now: () => new Date(at),
  logger: { warn: (text: string) => send({ type: "warn", text }) },
  ...(data.cwd !== undefined ? { cwd: data.cwd } : {}),
});
const ring = SharedRing.attach(data.ring);
const text = new TextDecoder();
const drain = () =>
  ring.drain((_tag, stamp, payload) => {
    at = stamp;
    let record: unknown;
    try {
      record = parseLegacyLine(text.decode(payload));
    } catch {
      // The plugin wrote this line itself; observe() ignores what is not a record.
      record = null;
    }
    publisher.observe(record);
  });
const failed = (e: unknown) =>
  send({
    type: "warn",
    text: `fmail events: could not take records from the ring (${describeError(e)})`,
  });
let open = true;
send({ type: "ready" });
data.port.on("message", (message: ToPublisher) => {
  try {
    drain();
  } catch (e) {
    failed(e);
  }
  if (message.type === "close") {
    // The loop ends now rather than in a wait the thread's termination would cut short.
    open = false;
    ring.wake();
  }
  send({ type: "done", id: message.id, stats: publisher.stats() });
});
await drainEvery(ring, data.pollMs, drain, failed, () => open);
