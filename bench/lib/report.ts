import { table } from "./spread.ts";
/** One line of a benchmark table: our rate beside the plain-SQLite baseline's. */
export interface Comparison {
  name: string;
  events: number;
  /** Events per second. */
  ours: number;
  plain: number;
  /** ours / plain, the figure the aim is about. */
  ratio: number;
  aim: number;
  met: boolean;
}

export function compare(
  name: string,
  events: number,
  ours: number,
  plain: number,
  aim: number,
): Comparison {
  const ratio = ours / plain;
  return { name, events, ours, plain, ratio, aim, met: ratio >= aim };
}

const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatTable(rows: readonly Comparison[]): string {
  const header = [
    "figure",
    "events",
    "forge-eventlog/s",
    "plain bun:sqlite/s",
    "ratio",
    "aim",
    "met",
  ];
  const body = rows.map((r) => [
    r.name,
    whole.format(r.events),
    whole.format(r.ours),
    whole.format(r.plain),
    r.ratio.toFixed(2),
    `>= ${r.aim.toFixed(2)}`,
    r.met ? "yes" : "NO",
  ]);
  return table(header, body);
}
