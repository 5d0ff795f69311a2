import { displayWidth, padToWidth, truncateToWidth } from "./display-width.ts";

/** A cell: its text, and a link the terminal may make clickable (OSC-8). */
export type Cell = string | { text: string; link: string };

export interface FitColumn {
  header: string;
  align?: "left" | "right";
  /** Columns are dropped, highest first, when shrinking is not enough (default 0: kept). */
  dropOrder?: number;
  /** May be cut with an ellipsis down to this many columns (default: never cut). */
  shrinkTo?: number;
  /** At least this wide (a streamed table pads to it without seeing later rows). */
  width?: number;
}

export interface FitOptions {
  /** Terminal columns to fit in; undefined = no limit (piped output keeps every cell whole). */
  width?: number | undefined;
  /** Write links as OSC-8 hyperlinks. */
  hyperlinks?: boolean;
  /** Style for the header row (bold on a colour terminal). */
  header?: (text: string) => string;
}

const GAP = 2;
const textOf = (c: Cell) => (typeof c === "string" ? c : c.text);

const hyperlink = (text: string, link: string) =>
  `\u001b]8;;${link}\u001b\\${text}\u001b]8;;\u001b\\`;

/** Each column's width from its header, its minimum and its cells. */
export function naturalWidths(columns: readonly FitColumn[], rows: readonly Cell[][]): number[] {
  return columns.map((c, i) =>
    Math.max(displayWidth(c.header), c.width ?? 0, ...rows.map((r) => displayWidth(textOf(r[i]!)))),
  );
}

/** Columns with a dropOrder at least this are dropped before any column is cut. */
export const DROP_BEFORE_CUT = 5;

/**
 * Which columns to show at which widths so a row fits `width`: first the columns of least
 * worth are dropped (dropOrder >= DROP_BEFORE_CUT, highest first), then shrinkable columns
 * cut (widest first, to their `shrinkTo`), then the other droppable columns dropped; what is
 * left is cut to the width.
 */
export function fitWidths(
  columns: readonly FitColumn[],
  natural: readonly number[],
  width: number | undefined,
): { shown: number[]; widths: number[] } {
  let shown = columns.map((_, i) => i);
  if (width === undefined) return { shown, widths: [...natural] };
  let widths = [...natural];
  const total = () => shown.reduce((sum, i) => sum + widths[i]!, 0) + GAP * (shown.length - 1);
  const dropNext = (min: number) => {
    const droppable = shown.filter((i) => (columns[i]!.dropOrder ?? 0) >= min);
    if (droppable.length === 0) return false;
    const drop = droppable.sort((a, b) => columns[b]!.dropOrder! - columns[a]!.dropOrder!)[0]!;
    shown = shown.filter((i) => i !== drop);
    widths = [...natural];
    return true;
  };
  const floorOf = (i: number) =>
    Math.max(columns[i]!.shrinkTo ?? natural[i]!, 1, displayWidth(columns[i]!.header));
  const shrink = () => {
    for (;;) {
      const excess = total() - width;
      if (excess <= 0) return;
      const i = shown
        .filter((k) => columns[k]!.shrinkTo !== undefined && widths[k]! > floorOf(k))
        .sort((a, b) => widths[b]! - widths[a]!)[0];
      if (i === undefined) return;
      widths[i] = Math.max(floorOf(i), widths[i]! - excess);
    }
  };
  while (total() > width && dropNext(DROP_BEFORE_CUT));
  shrink();
  while (total() > width && dropNext(1)) shrink();
  return { shown, widths };
}

/** One row's cells joined: padded, cut by display width, never longer than `width`. */
export function fitRow(
  columns: readonly FitColumn[],
  cells: readonly Cell[],
  layout: { shown: number[]; widths: number[] },
  options: FitOptions,
): string {
  const last = layout.shown.at(-1);
  const parts = layout.shown.map((i) => {
    const cell = cells[i]!;
    const w = layout.widths[i]!;
    const text = textOf(cell);
    // Without a width to fit, the last column is whole (a streamed table cannot know it).
    const cut = i === last && options.width === undefined ? text : truncateToWidth(text, w);
    const padded =
      i === last && columns[i]!.align !== "right" ? cut : padToWidth(cut, w, columns[i]!.align);
    if (typeof cell === "string" || !options.hyperlinks) return padded;
    // The link wraps the visible text only; the padding stays outside it.
    return padded.replace(cut, hyperlink(cut, cell.link));
  });
  let line = parts.join(" ".repeat(GAP)).trimEnd();
  if (options.width !== undefined && displayWidth(line) > options.width) {
    if (options.hyperlinks)
      return fitRow(columns, cells, layout, { ...options, hyperlinks: false });
    line = truncateToWidth(line, options.width);
  }
  return line;
}

/** A whole table (header and rows) that fits `options.width`; rows never wrap. */
export function fitTable(
  columns: readonly FitColumn[],
  rows: readonly Cell[][],
  options: FitOptions = {},
): string[] {
  const cols = columns.map((c) => ({ ...c }));
  const layout = fitWidths(cols, naturalWidths(cols, rows), options.width);
  const headerLine = fitRow(
    cols,
    cols.map((c) => c.header),
    layout,
    { ...options, hyperlinks: false },
  );
  return [
    options.header ? options.header(headerLine) : headerLine,
    ...rows.map((r) => fitRow(cols, r, layout, options)),
  ];
}
