import type { OptionsDef } from "../framework/command.ts";
import { usageError } from "../framework/errors.ts";

/** `--utc`: times are shown in local time unless it is given. */
export const utcArgs = {
  utc: { type: "boolean", description: "Show times in UTC instead of local time" },
} as const satisfies OptionsDef;

const two = (n: number) => String(n).padStart(2, "0");

/** `+02:00`, `-05:00`, or `UTC` for an offset of zero. */
function zoneName(date: Date, utc: boolean): string {
  const minutes = utc ? 0 : -date.getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** The zone times are shown in, for a column header: `TIME (UTC)`, `TIME (+02:00)`. */
export const timeZoneLabel = (utc: boolean, at = new Date()): string => zoneName(at, utc);

/**
 * `2026-06-02T12:34:56.789000+00:00` → `2026-06-02 14:34:56.789` in local time (or UTC with
 * `utc`); a time without a fraction keeps its seconds whole. Text that is no time is shown
 * as it is.
 */
export function displayTime(iso: string, utc: boolean): string {
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(iso) || Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  const [y, mo, da, h, mi, s] = utc
    ? [
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      ]
    : [
        d.getFullYear(),
        d.getMonth() + 1,
        d.getDate(),
        d.getHours(),
        d.getMinutes(),
        d.getSeconds(),
      ];
  const fraction = /:\d{2}(\.\d+)/.exec(iso)?.[1];
  return `${y}-${two(mo)}-${two(da)} ${two(h)}:${two(mi)}:${two(s)}${fraction ? fraction.slice(0, 4) : ""}`;
}

/** `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago` (or `in 5m` for a time ahead). */
/**
 * A time as a person reads it: local (or UTC) time, its zone, and how long ago, in brackets
 * (`... UTC (3h ago)`) or, inside brackets already, after a comma (`... UTC, 3h ago`).
 */
export function readableTime(iso: string, utc: boolean, inBrackets = false): string {
  const at = `${displayTime(iso, utc)} ${timeZoneLabel(utc, new Date(iso))}`;
  return inBrackets ? `${at}, ${relativeAge(iso)}` : `${at} (${relativeAge(iso)})`;
}

export function relativeAge(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "-";
  const delta = now - ms;
  const abs = Math.abs(delta);
  if (abs < 1000) return "just now";
  const [n, unit] =
    abs < 60_000
      ? [Math.floor(abs / 1000), "s"]
      : abs < 3_600_000
        ? [Math.floor(abs / 60_000), "m"]
        : abs < 86_400_000
          ? [Math.floor(abs / 3_600_000), "h"]
          : [Math.floor(abs / 86_400_000), "d"];
  return delta >= 0 ? `${n}${unit} ago` : `in ${n}${unit}`;
}

const AGO_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * `--since`/`--until`: a duration back from now (`30s`, `30m`, `2h`, `1d`, `1w`) or a time
 * (`2026-06-02`, `2026-06-02T12:00`, `2026-06-02 12:00:00Z`; local time unless it names a zone).
 * Returns epoch milliseconds.
 */
export function parseTimeBound(value: string, name: string, now = Date.now()): number {
  const text = value.trim();
  const ago = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(text);
  if (ago) return now - Math.round(Number(ago[1]) * AGO_MS[ago[2] as keyof typeof AGO_MS]);
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text,
  );
  if (iso) {
    const dateOnly = iso[1] === undefined && iso[4] === undefined;
    // A bare date is midnight local time, as a person means it (Date.parse takes it as UTC).
    const ms = Date.parse(dateOnly ? `${text}T00:00` : text.replace(" ", "T"));
    if (!Number.isNaN(ms)) return ms;
  }
  throw usageError(
    `${name} takes a duration back from now (30m, 2h, 1d) or a time (2026-06-02, 2026-06-02T12:00, ...Z) (got ${JSON.stringify(value)})`,
  );
}

export interface TimeWindow {
  since: number | undefined;
  until: number | undefined;
}

export const windowArgs = {
  since: {
    type: "string",
    valueHint: "when",
    description: "Only events at or after this time: 30m, 2h, 1d back, or 2026-06-02T12:00",
  },
  until: {
    type: "string",
    valueHint: "when",
    description: "Only events before this time (same forms as --since)",
  },
} as const satisfies OptionsDef;

export function parseWindow(
  args: { since?: string; until?: string },
  now = Date.now(),
): TimeWindow {
  const since = args.since === undefined ? undefined : parseTimeBound(args.since, "--since", now);
  const until = args.until === undefined ? undefined : parseTimeBound(args.until, "--until", now);
  if (since !== undefined && until !== undefined && until <= since) {
    throw usageError("--until is not after --since: no time is in between");
  }
  return { since, until };
}

/** Whether an event's occurred_at is in the window (an unreadable time is outside any bound). */
export function inWindow(occurredAt: string, w: TimeWindow): boolean {
  if (w.since === undefined && w.until === undefined) return true;
  const ms = Date.parse(occurredAt);
  if (Number.isNaN(ms)) return false;
  return (w.since === undefined || ms >= w.since) && (w.until === undefined || ms < w.until);
}
