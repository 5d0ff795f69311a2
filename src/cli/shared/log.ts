import { formatWithOptions } from "node:util";
import { type ConsolaReporter, createConsola, LogLevels, type LogType } from "consola/core";
import { stderrPaint } from "./color.ts";

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
