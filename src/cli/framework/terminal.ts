import { formatWithOptions } from "node:util";
import { type ConsolaReporter, createConsola, LogLevels, type LogType } from "consola/core";

/**
 * ANSI styling: FORCE_COLOR (any value but "0" or "false") turns it on, even when piped;
 * otherwise it is off when NO_COLOR is set (any non-empty value), TERM=dumb, or not a TTY.
 */
export interface Paint {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
}

function colorEnabled(stream: { isTTY?: boolean }): boolean {
  const env = process.env;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

const style = (on: boolean, open: number, close: number) => (text: string) =>
  on ? `\u001b[${open}m${text}\u001b[${close}m` : text;

function paint(enabled: boolean): Paint {
  return {
    enabled,
    bold: style(enabled, 1, 22),
    dim: style(enabled, 2, 22),
    red: style(enabled, 31, 39),
    yellow: style(enabled, 33, 39),
    green: style(enabled, 32, 39),
    cyan: style(enabled, 36, 39),
  };
}

export const stdoutPaint = (): Paint => paint(colorEnabled(process.stdout));

/**
 * The width tables fit: $COLUMNS when set (also for piped output), else the terminal's;
 * undefined when piped, so scripts get every cell whole.
 */
export function terminalWidth(): number | undefined {
  const columns = Number.parseInt(process.env.COLUMNS ?? "", 10);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return process.stdout.isTTY ? process.stdout.columns || 80 : undefined;
}

/** OSC-8 links: FORCE_HYPERLINK=1/0 decides, else on where colour is on a terminal. */
export function hyperlinksEnabled(): boolean {
  const force = process.env.FORCE_HYPERLINK;
  if (force !== undefined) return force !== "0" && force !== "";
  return process.stdout.isTTY === true && colorEnabled(process.stdout);
}
const stderrPaint = (): Paint => paint(colorEnabled(process.stderr));

const LABEL: Partial<Record<LogType, "error" | "warning" | "debug">> = {
  fatal: "error",
  error: "error",
  warn: "warning",
  debug: "debug",
  trace: "debug",
  verbose: "debug",
};

/** One plain line per message on stderr; stdout is kept for data. */
const reporter: ConsolaReporter = {
  log(entry) {
    const text = formatWithOptions({ colors: false }, ...entry.args);
    const label = LABEL[entry.type];
    const p = stderrPaint();
    const prefix =
      label === "error"
        ? `${p.red("error")}: `
        : label === "warning"
          ? `${p.yellow("warning")}: `
          : label === "debug"
            ? p.dim("debug: ")
            : "";
    process.stderr.write(`${prefix}${text}\n`);
  },
};

/** The CLI's messages (consola): `info`/`success` for progress, `error` for the one failure line. */
export const log = createConsola({ reporters: [reporter], level: LogLevels.info, throttle: 0 });

export function configureLog(options: { quiet: boolean; debug: boolean }): void {
  log.level = options.debug ? LogLevels.debug : options.quiet ? LogLevels.error : LogLevels.info;
}
