/**
 * The shared-memory ring the plugin hands milestones over with: frames come out in order,
 * whole and once, across the end of the data and across threads; a full ring refuses a frame
 * without writing any of it, and takes frames again once drained.
 */
import { expect, test } from "bun:test";
import { Worker } from "node:worker_threads";
import {
  drainEvery,
  MIN_RING_BYTES,
  ringCapacity,
  SharedRing,
} from "../../src/plugin/shared-ring.ts";
import { framePayload } from "./ring-frames.ts";

function drainAll(ring: SharedRing) {
  const out: { tag: number; stamp: number; payload: Uint8Array }[] = [];
  ring.drain((tag, stamp, payload) => out.push({ tag, stamp, payload }));
  return out;
}

test("the capacity is a power of two, at least MIN_RING_BYTES", () => {
  expect(ringCapacity(1)).toBe(MIN_RING_BYTES);
  expect(ringCapacity(MIN_RING_BYTES + 1)).toBe(2 * MIN_RING_BYTES);
  expect(SharedRing.create(5 << 20).capacity).toBe(8 << 20);
});

test("frames that wrap around the end of the data come out whole, in order, once", () => {
  const ring = SharedRing.create(MIN_RING_BYTES);
  let next = 0;
  let seen = 0;
  let bytes = 0;
  // Many laps of a 4 KiB ring with frames of 1..700 bytes: headers and payloads both cross
  // the end at every offset a frame can start at.
  for (let lap = 0; lap < 2000; lap++) {
    while (ring.push(next, next / 2, framePayload(next))) bytes += framePayload(next++).length;
    for (const frame of drainAll(ring)) {
      expect(frame.tag).toBe(seen);
      expect(frame.stamp).toBe(seen / 2);
      expect(Buffer.compare(frame.payload, framePayload(seen))).toBe(0);
      seen++;
    }
  }
  expect(seen).toBe(next);
  expect(bytes).toBeGreaterThan(100 * ring.capacity);
  expect(ring.waiting()).toBe(0);
});

test("a full ring refuses a frame, writes none of it, and takes frames again once drained", () => {
  const ring = SharedRing.create(MIN_RING_BYTES);
  const payload = new Uint8Array(1000).fill(7);
  let pushed = 0;
  while (ring.push(pushed, 0, payload)) pushed++;
  // 4096 bytes hold four 1016-byte frames (16 header + 1000) and no fifth.
  expect(pushed).toBe(4);
  expect(ring.push(99, 0, new Uint8Array(2000))).toBe(false);
  expect(ring.waiting()).toBe(4);
  expect(drainAll(ring).map((f) => f.tag)).toEqual([0, 1, 2, 3]);
  expect(ring.push(5, 0, payload, 10)).toBe(true);
  const [only] = drainAll(ring);
  expect(only?.tag).toBe(5);
  expect(only?.payload).toEqual(payload.subarray(0, 10));
  // A frame bigger than the whole ring never fits.
  expect(ring.push(6, 0, new Uint8Array(ring.capacity))).toBe(false);
});

test("a producer and a consumer on two threads: every frame once, in order, none torn", async () => {
  const ring = SharedRing.create(64 * 1024);
  const count = 50_000;
  const worker = new Worker(new URL("./ring-consumer.ts", import.meta.url), {
    workerData: { buffer: ring.buffer, count },
  });
  const report = new Promise<{ seen: number; bad: number }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  // Pushed until the first refusal: the ring is full at least once, whatever the consumer does.
  let n = 0;
  while (ring.push(n, n / 2, framePayload(n))) n++;
  let refused = 1;
  ring.wake();
  while (n < count) {
    if (ring.push(n, n / 2, framePayload(n))) {
      n++;
      if (n % 64 === 0) ring.wake();
    } else {
      refused++;
      ring.wake();
      await new Promise((r) => setImmediate(r));
    }
  }
  ring.wake();
  expect(await report).toEqual({ seen: count, bad: 0 });
  expect(refused).toBeGreaterThan(0);
  await worker.terminate();
}, 60_000);

test("a consumer that need not wait still yields to the thread's other tasks", async () => {
  const ring = SharedRing.create(MIN_RING_BYTES);
  ring.push(1, 0, new Uint8Array(8));
  let ran = false;
  setImmediate(() => {
    ran = true;
  });
  await ring.waitForWake(undefined);
  expect(ran).toBe(true);
});

test("a wake that comes while the consumer drains ends its next wait at once", async () => {
  const ring = SharedRing.create(MIN_RING_BYTES);
  let drains = 0;
  let running = true;
  const { promise: secondDrain, resolve } = Promise.withResolvers<void>();
  // The producer's wake lands inside the first drain; the wait after it is one minute long,
  // so only a wake counted from before the drain brings the second drain within the test.
  const loop = drainEvery(
    ring,
    60_000,
    () => {
      drains++;
      if (drains === 1) ring.wake();
      if (drains === 2) resolve();
    },
    (e) => {
      throw e;
    },
    () => running,
  );
  await secondDrain;
  running = false;
  ring.wake();
  await loop;
  expect(drains).toBe(2);
}, 10_000);

test("positions that wrap at 2^32 keep frames whole, in order, and the room right", () => {
  const ring = SharedRing.create(MIN_RING_BYTES);
  const control = new Int32Array(ring.buffer, 0, 2);
  // The write and read positions 64 bytes short of 2^32 (an empty ring).
  control[0] = (2 ** 32 - 64) | 0;
  control[1] = (2 ** 32 - 64) | 0;
  let next = 0;
  let seen = 0;
  for (let lap = 0; lap < 20; lap++) {
    while (ring.push(next, 0, framePayload(next))) next++;
    expect(ring.fits(700)).toBe(false);
    expect(ring.used()).toBeLessThanOrEqual(ring.capacity);
    for (const frame of drainAll(ring)) {
      expect(frame.tag).toBe(seen);
      expect(Buffer.compare(frame.payload, framePayload(seen))).toBe(0);
      seen++;
    }
    expect(ring.used()).toBe(0);
  }
  expect(seen).toBe(next);
  // Past 2^32: the positions wrapped and the ring still works.
  expect(control[0]! >>> 0).toBeLessThan(2 ** 32 - 64);
});
