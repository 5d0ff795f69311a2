/** Lets signal handlers run (a long backfill is otherwise one synchronous stretch); true when asked to stop. */
export async function yieldAndCheck(signal: AbortSignal | undefined): Promise<boolean> {
  await new Promise<void>((done) => setImmediate(done));
  return signal?.aborted === true;
}

/** Waits `ms`, or less when `signal` aborts; false when asked to stop. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((done) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      done(!signal?.aborted);
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener("abort", finish, { once: true });
  });
}
