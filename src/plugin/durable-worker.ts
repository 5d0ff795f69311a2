/**
 * The durable sink's worker thread: owns the EventStore through a DurableWriter, so no commit
 * (nor SQLite's busy handler waiting on another process's lock) ever runs on the runner's
 * thread. Started by durable-sink.ts with `workerData` (see WorkerData); every message both
 * ways goes through `workerData.port`. After each `done` reply it bumps `signal` and notifies,
 * which is what the sink's synchronous flush()/close() wait on.
 */
import { workerData } from "node:worker_threads";
import { loadDriver } from "../store/load-driver.ts";
import type { FromWriter, ToWriter, WorkerData } from "./durable-protocol.ts";
import { DurableWriter } from "./durable-writer.ts";
import { replyFrom } from "./worker-link.ts";

const { settings, port, signal } = workerData as WorkerData;

const send: (message: FromWriter) => void = replyFrom({ port, signal });

const driver = await loadDriver();
// Ready before the first open: that open may wait up to busyTimeoutMs on another process's
// lock, and the runner need not wait for it. Messages sent meanwhile queue on the port.
send({ type: "ready" });
const writer = new DurableWriter(settings, driver, send);
port.on("message", (message: ToWriter) => {
  try {
    writer.handle(message);
  } catch (e) {
    send({
      type: "warn",
      key: "durable:unknown",
      text: `durable mirroring failed: ${e instanceof Error ? e.message : String(e)}. The runner and its JSONL are unaffected; once fixed, backfill with: forge-eventlog mirror ${settings.jsonl} --db ${settings.db}`,
    });
  }
});
