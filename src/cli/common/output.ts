import { closeSync, openSync } from "node:fs";
import { writeAllSync } from "../../io/write-all.ts";
import type { CursorRow } from "../../store/cursors.ts";
import { eventJsonLine } from "../../store/event-json.ts";
import type { StoredEvent } from "../../store/record.ts";
import {
  type Cell,
  type FitColumn,
  type FitOptions,
  fitRow,
  fitTable,
  fitWidths,
  naturalWidths,
} from "../../text/fit-table.ts";
import { hyperlinksEnabled, stdoutPaint, terminalWidth } from "../framework/terminal.ts";
import { eventSummary } from "./event-summary.ts";
import { delimitedRow, type Format } from "./formats.ts";
import { displayTime, timeZoneLabel } from "./time.ts";

/** What a LineWriter writes its chunks to: stdout, a pager's stdin, a file. */
export type ChunkSink = (chunk: string | Uint8Array) => Promise<void> | void;

const CHUNK_BYTES = 64 * 1024;

/**
 * Lines to stdout or a file, written in chunks of about 64 KiB; awaits the pipe draining so
 * memory stays flat. Lines come as text (`line`) or as bytes that hold their newline
 * (`lineBytes`), in any mix: they are written in the order they came.
 */
export class LineWriter {
  private chunk: string[] = [];
  private size = 0;
  /** Not zeroed: only the bytes set are handed out. */
  private bytes: Uint8Array = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  constructor(sink?: ChunkSink) {
    this.sink = sink ?? writeStdout;
  }

  private readonly sink: ChunkSink;

  /** A promise only when the chunk was written out (await it: the pipe may be full). */
  line(text: string): Promise<void> | undefined {
    const written = this.used > 0 ? this.flushBytes() : undefined;
    this.chunk.push(text);
    this.size += text.length + 1;
    return this.size >= CHUNK_BYTES ? this.flush() : written;
  }

  /** A line as UTF-8 bytes, its newline included; a promise only when a chunk was written. */
  lineBytes(line: Uint8Array): Promise<void> | undefined {
    let written = this.chunk.length > 0 ? this.flushText() : undefined;
    if (this.used + line.length > this.bytes.length) {
      written = this.flushBytes();
      // The sink may hold the chunk it was given until it is written: each chunk is a new buffer.
      if (line.length > CHUNK_BYTES) return this.sink(line.slice()) ?? written;
    }
    this.bytes.set(line, this.used);
    this.used += line.length;
    return written;
  }

  /** Text that is not yet a whole line: a long line written in pieces, ended by `line`. */
  async part(text: string): Promise<void> {
    await this.flush();
    await this.sink(text);
  }

  async flush(): Promise<void> {
    await this.flushText();
    await this.flushBytes();
  }

  private flushText(): Promise<void> | undefined {
    if (this.chunk.length === 0) return undefined;
    const text = `${this.chunk.join("\n")}\n`;
    this.chunk = [];
    this.size = 0;
    return this.sink(text) ?? undefined;
  }

  private flushBytes(): Promise<void> | undefined {
    if (this.used === 0) return undefined;
    const chunk = this.bytes.subarray(0, this.used);
    this.bytes = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    return this.sink(chunk) ?? undefined;
  }
}

function writeStdout(chunk: string | Uint8Array): Promise<void> | void {
  if (process.stdout.write(chunk)) return;
  return new Promise((resolve) => process.stdout.once("drain", () => resolve()));
}

/** A sink writing synchronously to an open file descriptor. */
export function fileSink(fd: number): ChunkSink {
  const encoder = new TextEncoder();
  return (chunk) => writeAllSync(fd, typeof chunk === "string" ? encoder.encode(chunk) : chunk);
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

export interface Column<Row> extends FitColumn {
  value(row: Row): Cell;
}

/** An aligned table, widths from every row, fitted to the terminal: for short outputs (stats, cursors). */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string[] {
  const p = stdoutPaint();
  return fitTable(
    columns,
    rows.map((r) => columns.map((c) => c.value(r))),
    { width: terminalWidth(), hyperlinks: hyperlinksEnabled(), header: p.bold },
  );
}

/** A table printed row by row (replay, tail): column widths are fixed up front, the last fills the line. */
export class StreamTable<Row> {
  private started = false;
  private readonly columns: Column<Row>[];
  private readonly layout: { shown: number[]; widths: number[] };
  private readonly options: FitOptions;

  constructor(
    columns: readonly Column<Row>[],
    private readonly out: LineWriter,
  ) {
    this.columns = columns.map((c) => ({ ...c }));
    const width = terminalWidth();
    const natural = naturalWidths(this.columns, []);
    const last = this.columns.length - 1;
    if (width !== undefined) {
      natural[last] = Math.max(natural[last]!, width);
      this.columns[last]!.shrinkTo ??= 20;
    }
    this.layout = fitWidths(this.columns, natural, width);
    this.options = { width, hyperlinks: hyperlinksEnabled() };
  }

  async row(row: Row): Promise<void> {
    if (!this.started) {
      this.started = true;
      const header = this.columns.map((c) => c.header);
      await this.out.line(
        stdoutPaint().bold(
          fitRow(this.columns, header, this.layout, { ...this.options, hyperlinks: false }),
        ),
      );
    }
    const cells = this.columns.map((c) => c.value(row));
    await this.out.line(fitRow(this.columns, cells, this.layout, this.options));
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

/**
 * `2026-06-02T12:34:56.789000+00:00` → `2026-06-02 12:34:56.789`; a time without a fraction
 * (`2020-01-01 00:00:00+00:00`) keeps its seconds whole; `T` or a space between date and time.
 * occurred_at is always UTC; text that is no such time is shown as it is.
 */
export function shortTime(occurredAt: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(occurredAt);
  if (!m) return occurredAt;
  return `${m[1]} ${m[2]}${m[3] ? m[3].slice(0, 4) : ""}`;
}

/** On a terminal the payload is cut to the line (then SAGA, then TASK dropped); piped output keeps it whole. */
function eventColumns(latestSequence: number, utc: boolean): Column<StoredEvent>[] {
  const seqWidth = Math.max(3, String(latestSequence).length);
  return [
    { header: "SEQ", value: (e) => String(e.sequence), align: "right", width: seqWidth },
    {
      header: `TIME (${timeZoneLabel(utc)})`,
      value: (e) => displayTime(e.occurred_at, utc),
      width: 23,
    },
    { header: "KIND", value: (e) => e.kind, width: 20 },
    { header: "TASK", value: (e) => e.task_id ?? "-", width: 10, dropOrder: 1 },
    { header: "SAGA", value: (e) => e.saga_id ?? "-", width: 9, dropOrder: 2 },
    { header: "SUMMARY", value: eventSummary },
  ];
}

/** The columns of `--format csv|tsv`: the contract's, payload as JSON text (readable Unicode). */
const DELIMITED_COLUMNS = [
  "sequence",
  "occurred_at",
  "kind",
  "task_id",
  "saga_id",
  "event_id",
  "idempotency_key",
  "payload",
] as const;

function delimitedCells(e: StoredEvent): string[] {
  return DELIMITED_COLUMNS.map((c) => {
    if (c === "payload") return JSON.stringify(e.payload);
    const v = e[c];
    return v === null || v === undefined ? "" : String(v);
  });
}

/** Prints events as a table, JSON lines, CSV or TSV (a header row first). */
export class EventPrinter {
  count = 0;
  private readonly table: StreamTable<StoredEvent> | undefined;

  constructor(
    private readonly out: LineWriter,
    private readonly format: Format,
    latestSequence: number,
    utc = false,
  ) {
    this.table =
      format === "table" ? new StreamTable(eventColumns(latestSequence, utc), out) : undefined;
  }

  /** `print` of the json format, given the event's line already (sinceJson's bytes). */
  printJsonLine(line: Uint8Array): Promise<void> | undefined {
    this.count++;
    return this.out.lineBytes(line);
  }

  /** A promise only when output was written out (await it before printing more). */
  print(e: StoredEvent): Promise<void> | undefined {
    const format = this.format;
    this.count++;
    if (this.table) return this.table.row(e);
    if (format === "json") return this.out.line(eventJsonLine(e));
    if (format === "table") return undefined;
    const row = delimitedRow(format, delimitedCells(e));
    // The header row first, in the same chunk.
    return this.out.line(
      this.count === 1 ? `${delimitedRow(format, DELIMITED_COLUMNS)}\n${row}` : row,
    );
  }
}

/** `cursors` and `stats`: one row per projection cursor. */
export const cursorColumns: Column<CursorRow>[] = [
  { header: "CURSOR", value: (c) => c.name },
  { header: "SEQUENCE", value: (c) => String(c.sequence), align: "right" },
  { header: "LAG", value: (c) => String(c.lag), align: "right" },
];
