/**
 * A worker for shared-ring.test.ts: drains the ring it is given until it has seen `count`
 * frames, checking each frame's sequence (its tag), stamp and payload, then reports.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SharedRing } from "../../src/plugin/shared-ring.ts";
import { framePayload } from "./ring-frames.ts";

const { buffer, count } = workerData as { buffer: SharedArrayBuffer; count: number };
const ring = SharedRing.attach(buffer);
let next = 0;
let bad = 0;
while (next < count) {
  ring.drain((tag, stamp, payload) => {
    const want = framePayload(next);
    if (tag !== next || stamp !== next / 2 || Buffer.compare(payload, want) !== 0) bad++;
    next++;
  });
  await ring.waitForWake(5);
}
parentPort?.postMessage({ seen: next, bad });
