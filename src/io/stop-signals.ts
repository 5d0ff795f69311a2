export interface StopSignals {
  /** Aborts on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers (call in `finally`). */
  dispose(): void;
}

/**
 * SIGINT and SIGTERM abort one signal, so a command finishes what it is writing and exits 0.
 * With `secondExits`, a second signal exits at once (130 for SIGINT, 143 for SIGTERM).
 */
export function onStopSignals(
  options: { secondExits?: boolean; onFirst?: (signal: NodeJS.Signals) => void } = {},
): StopSignals {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (options.secondExits) process.exit(signal === "SIGINT" ? 130 : 143);
      return;
    }
    options.onFirst?.(signal);
    controller.abort(signal);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}
