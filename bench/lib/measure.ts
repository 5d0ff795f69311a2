/** Time spent on a number of operations. */
export interface Timing {
  operations: number;
  seconds: number;
}

export function rate(t: Timing): number {
  return t.operations / t.seconds;
}

/** Times `fn`, which reports how many operations it did. */
export function time(fn: () => number): Timing {
  const start = performance.now();
  const operations = fn();
  return { operations, seconds: (performance.now() - start) / 1000 };
}

/**
 * Runs the two sides chunk by chunk in turn (a, b, a, b, ...), adding up each side's time,
 * so a burst of load from elsewhere on the machine slows both alike instead of one.
 */
export function interleaved<T>(
  chunks: readonly T[],
  a: (chunk: T) => number,
  b: (chunk: T) => number,
): { a: Timing; b: Timing } {
  const totalA: Timing = { operations: 0, seconds: 0 };
  const totalB: Timing = { operations: 0, seconds: 0 };
  for (const [i, chunk] of chunks.entries()) {
    // Alternate which side goes first, so neither always runs on a cache the other warmed.
    const order = i % 2 === 0 ? ([a, b] as const) : ([b, a] as const);
    for (const side of order) {
      const t = time(() => side(chunk));
      const total = side === a ? totalA : totalB;
      total.operations += t.operations;
      total.seconds += t.seconds;
    }
  }
  return { a: totalA, b: totalB };
}

/** Each side's fastest of `rounds` runs of `run`, which times both sides once. */
export function bestOfEach(
  rounds: number,
  run: () => { a: Timing; b: Timing },
): { a: Timing; b: Timing } {
  let bestA: Timing | undefined;
  let bestB: Timing | undefined;
  for (let i = 0; i < rounds; i++) {
    const { a: ta, b: tb } = run();
    if (!bestA || rate(ta) > rate(bestA)) bestA = ta;
    if (!bestB || rate(tb) > rate(bestB)) bestB = tb;
  }
  if (!bestA || !bestB) throw new Error("bestOfEach needs at least one round");
  return { a: bestA, b: bestB };
}
