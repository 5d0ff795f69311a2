/**
 * The fmail sink's worker thread: derives loop events from the records and writes the
 * messages, so no file creation, fsync or directory scan of fmail runs on the runner's thread.
 * Started by fmail-sink.ts; every message both ways goes through `workerData.port`.
 */
import { workerData } from "node:worker_threads";
import { LoopEventPublisher } from "../fmail/publisher.ts";
import type { FromPublisher, PublisherData, ToPublisher } from "./fmail-protocol.ts";
import { replyFrom } from "./worker-link.ts";

const data = workerData as PublisherData;
const send: (message: FromPublisher) => void = replyFrom(data);

let at = Date.now();
const publisher = new LoopEventPublisher(data.events, {
  now: () => new Date(at),
  logger: { warn: (text: string) => send({ type: "warn", text }) },
  ...(data.cwd !== undefined ? { cwd: data.cwd } : {}),
});
send({ type: "ready" });
data.port.on("message", (message: ToPublisher) => {
  if (message.type === "record") {
    at = message.at;
    publisher.observe(message.record);
  } else {
    send({ type: "done", id: message.id, stats: publisher.stats() });
  }
});
