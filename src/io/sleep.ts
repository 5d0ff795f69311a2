/** Waits `ms`, or less when `signal` aborts; resolves false when asked to stop. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
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

/** Lets signal handlers run during a long synchronous stretch; true when asked to stop. */
export async function yieldUnlessAborted(signal?: AbortSignal): Promise<boolean> {
  await new Promise<void>((done) => setImmediate(done));
  return signal?.aborted === true;
}
