import type { StoredEvent } from "../../store/index.ts";
import { type Column, jsonLine, type LineWriter, StreamTable } from "./output.ts";

/** An event as `--json` and `export` write it: the contract's columns, `payload` parsed. */
export function eventRecord(e: StoredEvent): Record<string, unknown> {
  const { payload_json: _encoded, ...record } = e;
  return record;
}

/** `2026-06-02T12:34:56.789000+00:00` → `2026-06-02 12:34:56.789` (occurred_at is always UTC). */
export const shortTime = (occurredAt: string): string =>
  occurredAt.length >= 23 ? `${occurredAt.slice(0, 10)} ${occurredAt.slice(11, 23)}` : occurredAt;

function truncate(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return max <= 1 ? "…" : `${text.slice(0, max - 1)}…`;
}

function eventColumns(latestSequence: number): Column<StoredEvent>[] {
  const seqWidth = Math.max(3, String(latestSequence).length);
  const fixed = [seqWidth, 23, 20, 10, 9].reduce((a, b) => a + b + 2, 0);
  // On a terminal the payload is cut to the line; piped output keeps it whole.
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  const payloadMax = columns ? Math.max(20, columns - fixed) : undefined;
  return [
    { header: "SEQ", value: (e) => String(e.sequence), align: "right", width: seqWidth },
    { header: "TIME (UTC)", value: (e) => shortTime(e.occurred_at), width: 23 },
    { header: "KIND", value: (e) => e.kind, width: 20 },
    { header: "TASK", value: (e) => e.task_id ?? "-", width: 10 },
    { header: "SAGA", value: (e) => e.saga_id ?? "-", width: 9 },
    { header: "PAYLOAD", value: (e) => truncate(e.payload_json, payloadMax) },
  ];
}

/** Prints events as a table or, with `json`, one object per line. */
export class EventPrinter {
  count = 0;
  private readonly table: StreamTable<StoredEvent> | undefined;

  constructor(
    private readonly out: LineWriter,
    json: boolean,
    latestSequence: number,
  ) {
    this.table = json ? undefined : new StreamTable(eventColumns(latestSequence), out);
  }

  async print(e: StoredEvent): Promise<void> {
    this.count++;
    if (this.table) await this.table.row(e);
    else await this.out.line(jsonLine(eventRecord(e)));
  }
}
