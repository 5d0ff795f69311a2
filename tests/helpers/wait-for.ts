/**
 * Polls `fact` until it returns true (or a value other than false/undefined), with a deadline:
 * tests wait on an observed fact, never on a guessed sleep. Throws, naming `what`, when the
 * deadline passes.
 */
export async function waitFor<T>(
  what: string,
  fact: () => T | false | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = fact();
    if (got !== false && got !== undefined) return got;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
