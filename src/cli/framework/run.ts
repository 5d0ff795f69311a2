import { describeError, EventLogError } from "../../errors.ts";
import { versionLine } from "../version.ts";
import type { AnyCommand } from "./command.ts";
import { EXIT_FAILED, EXIT_OK, exitCodeFor, usageError } from "./errors.ts";
import { renderHelp } from "./help.ts";
import { commandName, hasFlag, parseOptions, resolveCommand, withDefault } from "./parse.ts";
import { configureLog, log } from "./terminal.ts";

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once("drain", () => resolve());
  });
}

// `forge-eventlog replay | head` closes the pipe early; that is not an error.
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(EXIT_OK);
    throw e;
  });
}

function printStack(e: unknown): void {
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const stack = current instanceof Error ? current.stack : String(current);
    process.stderr.write(`${depth ? "caused by: " : ""}${stack}\n`);
    current = current instanceof Error ? current.cause : undefined;
  }
}

/** The one error line, and the exit code it maps to. */
function report(e: unknown, debug: boolean): number {
  let code: number;
  if (e instanceof EventLogError) {
    log.error(e.message);
    code = exitCodeFor(e.code);
  } else {
    log.error(
      `unexpected failure: ${describeError(e)}${debug ? "" : " (rerun with --debug for the stack trace)"}`,
    );
    code = EXIT_FAILED;
  }
  if (debug) printStack(e);
  return code;
}

/**
 * Runs the command argv names and returns the exit code: 0 ok, 1 check failed or not found,
 * 2 usage or input error. Errors become one line on stderr; --debug adds the stack.
 */
export async function runCli(root: AnyCommand, argv: readonly string[]): Promise<number> {
  const debug = hasFlag(argv, "--debug");
  configureLog({ quiet: hasFlag(argv, "--quiet", "-q"), debug });
  exitQuietlyOnClosedPipe();
  const meta = root.meta;
  const rootName = meta.name;
  try {
    const named = await resolveCommand(root, rootName, argv);
    if (hasFlag(named.rest, "--help", "-h")) {
      await writeStdout(await renderHelp(named, rootName));
      return EXIT_OK;
    }
    const target = await withDefault(named);
    if (target.path.length === 0 && hasFlag(target.rest, "--version", "-V")) {
      await writeStdout(`${versionLine(rootName, meta.version ?? "unknown")}\n`);
      return EXIT_OK;
    }
    if (!target.cmd.run) {
      const name = commandName(target, rootName);
      if (target.rest.length === 0) await writeStdout(await renderHelp(target, rootName));
      throw usageError(`'${name}' needs a command; run '${name} --help' for the list`);
    }
    const args = parseOptions(target, rootName);
    await target.cmd.run({ args });
    return EXIT_OK;
  } catch (e) {
    return report(e, debug);
  }
}
