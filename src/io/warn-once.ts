/** Where one-line warnings go. */
export interface Logger {
  warn(message: string): void;
}

/**
 * Says each kind of problem once (keyed), so a failure repeated on every milestone does not
 * flood the runner's log; a logger that throws is ignored, never breaking its caller.
 */
export class WarnOnce {
  private readonly said = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly prefix = "",
  ) {}

  warn(key: string, message: string): boolean {
    if (this.said.has(key)) return false;
    this.said.add(key);
    try {
      this.logger.warn(`${this.prefix}${message}`);
    } catch {
      // A broken logger must not break the caller.
    }
    return true;
  }
}
