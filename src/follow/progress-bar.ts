const BAR_WIDTH = 24;
const REDRAW_MS = 100;
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** One self-overwriting status line on a terminal (stderr); redrawn at most every 100 ms. */
export class ProgressBar {
  private lastDraw = 0;
  private shown = false;
  private readonly started = performance.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** `done` of `total` bytes, and the lines mirrored so far. */
  update(done: number, total: number, lines: number): void {
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * BAR_WIDTH);
    const rate = lines / Math.max(0.001, (now - this.started) / 1000);
    const text = `mirroring [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}%  ${mib(done)} of ${mib(total)}  ${number.format(lines)} lines  ${number.format(rate)} lines/s`;
    const width = this.stream.columns ?? 80;
    this.stream.write(
      `\r${text.slice(0, Math.max(10, width - 1)).padEnd(Math.max(10, width - 1))}`,
    );
    this.shown = true;
  }

  /** Removes the line, so the next message starts on a clean line. */
  clear(): void {
    if (!this.shown) return;
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r${" ".repeat(Math.max(10, width - 1))}\r`);
    this.shown = false;
  }
}
