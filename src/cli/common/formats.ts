import type { OptionsDef } from "../framework/command.ts";
import { usageError } from "../framework/errors.ts";

/** How a listing is printed: an aligned table for people, JSON lines, CSV or TSV for tools. */
export const FORMATS = ["table", "json", "csv", "tsv"] as const;
export type Format = (typeof FORMATS)[number];

export const formatArgs = {
  format: {
    type: "string",
    valueHint: "fmt",
    description: "table, json (as --json), csv (for spreadsheets) or tsv (default: table)",
  },
} as const satisfies OptionsDef;

export function parseFormat(args: { format?: string; json?: boolean }): Format {
  if (args.format === undefined) return args.json ? "json" : "table";
  const f = args.format.trim().toLowerCase();
  if (!(FORMATS as readonly string[]).includes(f)) {
    throw usageError(`--format takes ${FORMATS.join(", ")} (got ${JSON.stringify(args.format)})`);
  }
  if (args.json && f !== "json") throw usageError(`use --json or --format ${f}, not both`);
  return f as Format;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** TSV has no quoting: tabs, line breaks and backslashes are written as \t, \n, \r, \\. */
const tsvField = (value: string): string =>
  value.replace(
    /[\\\t\n\r]/g,
    (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!,
  );

/** One row of a delimited format. */
export function delimitedRow(format: "csv" | "tsv", cells: readonly string[]): string {
  return format === "csv" ? cells.map(csvField).join(",") : cells.map(tsvField).join("\t");
}
