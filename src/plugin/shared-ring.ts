/**
 * A single-producer, single-consumer queue of byte frames in a SharedArrayBuffer, for handing
 * milestones from the runner's thread to a worker without postMessage: `push` copies a frame in
 * and never waits (false when it does not fit), `drain` on the other thread takes every frame
 * written so far, in order. Positions are byte counters that wrap at 2^32; the capacity is a
 * power of two, so a position's place in the data is `pos & (capacity - 1)`.
 *
 * A frame is a 16-byte header (payload length, tag, a float64 stamp) and its payload, padded
 * to 8 bytes; a header or payload that reaches the end of the data continues at its start.
 */

const WRITE = 0;
const READ = 1;
const FRAMES_WRITTEN = 2;
const FRAMES_READ = 3;
/** Bumped (and notified) by the producer when the consumer should not wait for its timer. */
const WAKE = 4;
const HEADER_INTS = 16;
const HEADER_BYTES = HEADER_INTS * 4;
const FRAME_HEADER = 16;

export const MIN_RING_BYTES = 4096;

/** The smallest power of two ≥ `bytes` (and ≥ MIN_RING_BYTES). */
export function ringCapacity(bytes: number): number {
  let capacity = MIN_RING_BYTES;
  while (capacity < bytes) capacity *= 2;
  return capacity;
}

const padded = (length: number) => (length + 7) & ~7;

/** ES2024's Atomics.waitAsync (Bun, Node ≥ 16, Deno have it; the project's lib is older). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeoutMs?: number,
    ): { async: boolean; value: Promise<unknown> | string };
  }
).waitAsync;

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Consumer: calls `drain` every `pollMs` (0: whenever the producer wakes it) until `running()`
 * says no; a drain that throws is handed to `failed` and the next one comes on time.
 */
export async function drainEvery(
  ring: SharedRing,
  pollMs: number,
  drain: () => void,
  failed: (e: unknown) => void,
  running: () => boolean,
): Promise<void> {
  const wait = pollMs > 0 ? pollMs : undefined;
  while (running()) {
    // Read before draining: a wake that comes while `drain` runs then ends the wait at once.
    const seen = ring.wakes();
    try {
      drain();
    } catch (e) {
      failed(e);
    }
    await ring.waitForWake(wait, seen);
  }
}

export class SharedRing {
  readonly capacity: number;
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly head = new Uint8Array(FRAME_HEADER);
  private readonly headView = new DataView(this.head.buffer);

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.control = new Int32Array(buffer, 0, HEADER_INTS);
    this.data = new Uint8Array(buffer, HEADER_BYTES, this.capacity);
  }

  /** A new ring of `ringCapacity(bytes)` data bytes. */
  static create(bytes: number): SharedRing {
    return new SharedRing(new SharedArrayBuffer(HEADER_BYTES + ringCapacity(bytes)));
  }

  /** The same ring seen from another thread. */
  static attach(buffer: SharedArrayBuffer): SharedRing {
    return new SharedRing(buffer);
  }

  /** Bytes written and not yet drained (either side may ask). */
  used(): number {
    return (
      ((Atomics.load(this.control, WRITE) >>> 0) - (Atomics.load(this.control, READ) >>> 0)) >>> 0
    );
  }

  /** Whether a frame of `length` payload bytes fits now. */
  fits(length: number): boolean {
    return FRAME_HEADER + padded(length) <= this.capacity - this.used();
  }

  /** Producer: appends one frame; false (nothing written) when it does not fit now. */
  push(tag: number, stamp: number, payload: Uint8Array, length = payload.length): boolean {
    const size = FRAME_HEADER + padded(length);
    const write = Atomics.load(this.control, WRITE) >>> 0;
    const used = (write - (Atomics.load(this.control, READ) >>> 0)) >>> 0;
    if (size > this.capacity - used) return false;
    this.headView.setUint32(0, length, true);
    this.headView.setUint32(4, tag, true);
    this.headView.setFloat64(8, stamp, true);
    this.copyIn(write, this.head, FRAME_HEADER);
    this.copyIn(write + FRAME_HEADER, payload, length);
    Atomics.store(this.control, WRITE, (write + size) | 0);
    Atomics.add(this.control, FRAMES_WRITTEN, 1);
    return true;
  }

  /** Producer: wakes a consumer waiting in `waitAsync` now rather than at its timeout. */
  wake(): void {
    Atomics.add(this.control, WAKE, 1);
    Atomics.notify(this.control, WAKE);
  }

  /**
   * Consumer: hands every frame written so far to `take`, oldest first (the payload is a
   * copy the callee may keep); returns how many.
   */
  drain(take: (tag: number, stamp: number, payload: Uint8Array) => void): number {
    const write = Atomics.load(this.control, WRITE) >>> 0;
    let read = Atomics.load(this.control, READ) >>> 0;
    let n = 0;
    while (read !== write) {
      this.copyOut(read, this.head, FRAME_HEADER);
      const length = this.headView.getUint32(0, true);
      const tag = this.headView.getUint32(4, true);
      const stamp = this.headView.getFloat64(8, true);
      const payload = new Uint8Array(length);
      this.copyOut(read + FRAME_HEADER, payload, length);
      read = (read + FRAME_HEADER + padded(length)) >>> 0;
      Atomics.store(this.control, READ, read | 0);
      Atomics.add(this.control, FRAMES_READ, 1);
      n++;
      take(tag, stamp, payload);
    }
    return n;
  }

  /** Frames pushed and not yet drained (either side may ask). */
  waiting(): number {
    return (
      ((Atomics.load(this.control, FRAMES_WRITTEN) >>> 0) -
        (Atomics.load(this.control, FRAMES_READ) >>> 0)) >>>
      0
    );
  }

  /** How many times `wake()` was called: a consumer's `seen` for `waitForWake`. */
  wakes(): number {
    return Atomics.load(this.control, WAKE);
  }

  /**
   * Consumer: resolves after `timeoutMs` (never, when undefined), or sooner on a `wake()` after
   * `seen` (the count of wakes it has already answered). When
   * it need not wait it still yields a macrotask, so that a loop around it never starves the
   * thread's messages and timers.
   */
  waitForWake(timeoutMs: number | undefined, seen = this.wakes()): Promise<unknown> {
    if (this.waiting() > 0 && timeoutMs === undefined) return nextTask();
    const waited = waitAsync(this.control, WAKE, seen, timeoutMs);
    return waited.async ? (waited.value as Promise<unknown>) : nextTask();
  }

  private copyIn(pos: number, from: Uint8Array, length: number): void {
    const at = pos & (this.capacity - 1);
    const first = Math.min(length, this.capacity - at);
    this.data.set(first === from.length ? from : from.subarray(0, first), at);
    if (first < length) this.data.set(from.subarray(first, length), 0);
  }

  private copyOut(pos: number, to: Uint8Array, length: number): void {
    const at = pos & (this.capacity - 1);
    const first = Math.min(length, this.capacity - at);
    to.set(this.data.subarray(at, at + first), 0);
    if (first < length) to.set(this.data.subarray(0, length - first), first);
  }
}
