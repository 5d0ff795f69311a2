import { closeSync, openSync, writeSync } from "node:fs";
import { stdoutPaint } from "./color.ts";

/** Lines to stdout or a file, written in chunks; awaits the pipe draining so memory stays flat. */
export class LineWriter {
  private chunk: string[] = [];
  private size = 0;

  constructor(private readonly sink: (text: string) => Promise<void> | void = writeStdout) {}

  async line(text: string): Promise<void> {
    this.chunk.push(text);
    this.size += text.length + 1;
    if (this.size >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    const text = `${this.chunk.join("\n")}\n`;
    this.chunk = [];
    this.size = 0;
    await this.sink(text);
  }
}

function writeStdout(text: string): Promise<void> | void {
  if (process.stdout.write(text)) return;
  return new Promise((resolve) => process.stdout.once("drain", () => resolve()));
}

/** A sink writing synchronously to an open file descriptor. */
export function fileSink(fd: number): (text: string) => void {
  return (text) => {
    writeSync(fd, text);
  };
}

/** A file opened for writing; close() may be called more than once. */
export function openForWriting(path: string): { fd: number; close(): void } {
  const fd = openSync(path, "w");
  let open = true;
  return {
    fd,
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** `--json`: one object per line. */
export const jsonLine = (value: unknown): string => JSON.stringify(value);

export interface Column<Row> {
  header: string;
  value(row: Row): string;
  align?: "left" | "right";
  /** Minimum width; a streamed table pads to it without seeing later rows. */
  width?: number;
}

function pad(text: string, width: number, align: "left" | "right" | undefined): string {
  return align === "right" ? text.padStart(width) : text.padEnd(width);
}

function joinCells<Row>(columns: readonly Column<Row>[], cells: string[], widths: number[]) {
  const last = columns.length - 1;
  return cells
    .map((cell, i) =>
      i === last && columns[i]?.align !== "right" ? cell : pad(cell, widths[i]!, columns[i]?.align),
    )
    .join("  ");
}

/** An aligned table, widths from every row: for short outputs (stats, cursors). */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string[] {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, c.width ?? 0, ...cells.map((row) => row[i]!.length)),
  );
  const p = stdoutPaint();
  const header = joinCells(
    columns,
    columns.map((c) => c.header),
    widths,
  );
  return [p.bold(header), ...cells.map((row) => joinCells(columns, row, widths))];
}

/** A table printed row by row (replay, tail): column widths are fixed up front. */
export class StreamTable<Row> {
  private started = false;
  private readonly widths: number[];

  constructor(
    private readonly columns: readonly Column<Row>[],
    private readonly out: LineWriter,
  ) {
    this.widths = columns.map((c) => Math.max(c.header.length, c.width ?? 0));
  }

  async row(row: Row): Promise<void> {
    if (!this.started) {
      this.started = true;
      const header = this.columns.map((c) => c.header);
      await this.out.line(stdoutPaint().bold(joinCells(this.columns, header, this.widths)));
    }
    const cells = this.columns.map((c) => c.value(row));
    await this.out.line(joinCells(this.columns, cells, this.widths));
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
