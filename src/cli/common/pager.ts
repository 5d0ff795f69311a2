import { spawn } from "node:child_process";
import type { OptionsDef } from "../framework/command.ts";
import { log } from "../framework/terminal.ts";
import type { ChunkSink } from "./output.ts";

export const pagerArgs = {
  pager: {
    type: "boolean",
    description: "Page a long table on a terminal through $PAGER (--no-pager: never)",
    default: true,
  },
} as const satisfies OptionsDef;

/** Where a command's lines go: a pager's stdin, or stdout when undefined. */
export type Sink = ChunkSink | undefined;

/** `$PAGER` (run by the shell, as git does), else `less -FRX`; none when PAGER is "" or cat. */
function pagerCommand(): string | undefined {
  const pager = process.env.PAGER;
  if (pager === undefined) return "less -FRX";
  const trimmed = pager.trim();
  return trimmed === "" || trimmed === "cat" ? undefined : trimmed;
}

/**
 * Runs `fn` with its output paged when `enabled` and stdout is a terminal: piped output,
 * `--no-pager` and `PAGER=cat` print straight. `less -FRX` prints a short output as it is
 * and keeps colours. A pager that cannot start is said once and the output goes to stdout.
 */
export async function withPager(
  enabled: boolean,
  fn: (sink: Sink) => Promise<void>,
): Promise<void> {
  const command = enabled && process.stdout.isTTY ? pagerCommand() : undefined;
  if (!command) return fn(undefined);
  const child = spawn("sh", ["-c", command], {
    stdio: ["pipe", "inherit", "inherit"],
    env: { LESS: "FRX", ...process.env },
  });
  const started = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (!started) {
    log.warn(`cannot start the pager (${command}); printing without it`);
    return fn(undefined);
  }
  const stdin = child.stdin!;
  let closed = false;
  // Quitting the pager early closes its stdin: the rest of the output is dropped quietly.
  stdin.on("error", () => {
    closed = true;
  });
  const sink: Sink = (text) => {
    if (closed || stdin.destroyed) return;
    if (stdin.write(text)) return;
    return new Promise((resolve) => {
      stdin.once("drain", () => resolve());
      stdin.once("close", () => resolve());
    });
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await fn(sink);
  } finally {
    stdin.end();
    await exited;
  }
}
