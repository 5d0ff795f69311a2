/** ANSI styling that is off when NO_COLOR is set (any non-empty value), TERM=dumb, or not a TTY. */
export interface Paint {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
}

export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

const style = (on: boolean, open: number, close: number) => (text: string) =>
  on ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export function paint(enabled: boolean): Paint {
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
export const stderrPaint = (): Paint => paint(colorEnabled(process.stderr));

const ANSI = new RegExp(`${"\u001b"}\\[[0-9;]*m`, "g");
export const stripAnsi = (text: string): string => text.replace(ANSI, "");
