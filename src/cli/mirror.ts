import { resolve } from "node:path";
import { EventLogError } from "../errors.ts";
import { DEFAULT_BATCH_LINES, type FollowOptions, followFile } from "../follow/follower.ts";
import { pathState } from "../follow/identity.ts";
import type { FollowSummary } from "../follow/summary.ts";
import { onStopSignals } from "../io/stop-signals.ts";
import { DEFAULT_JSONL } from "../paths.ts";
import { configDb, openWrite, withStore } from "./common/database.ts";
import { parseWhole } from "./common/options.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, type GlobalArgs, globalArgs } from "./framework/command.ts";
import { runCli } from "./framework/run.ts";
import { log } from "./framework/terminal.ts";
import { ProgressBar, summaryLines, summaryRecord } from "./mirror-output.ts";

/**
 * Without --follow the legacy file must exist and be a regular file when the command starts
 * (a typo must not wait forever); with it, the follower waits for one to be there.
 */
function checkInput(path: string, follow: boolean): string {
  const file = resolve(path);
  const state = pathState(file);
  if (follow || state.kind === "file") return file;
  if (state.kind === "missing") {
    throw new EventLogError(
      "input_not_found",
      `no file at ${file}; pass the runner's JSONL, e.g. docs/ops/loop-runner-events.jsonl (with --follow, mirror waits for it to appear)`,
    );
  }
  throw new EventLogError(
    "input_invalid",
    `${file} is ${state.what}, not a regular file; pass the runner's JSONL file itself, e.g. docs/ops/loop-runner-events.jsonl`,
  );
}

/** The JSONL the config names (its `jsonl`), or the default path from the current directory. */
function configuredJsonl(args: GlobalArgs): string {
  const { config } = configDb(args.config);
  const file = config?.jsonl ?? resolve(DEFAULT_JSONL);
  log.debug(
    `no file given: mirroring ${file} (${config ? `"jsonl" of ${config.file}` : "the default"})`,
  );
  return file;
}

/** The terminal's view of a run: a progress bar while catching up, messages on clean lines. */
function screen(file: string, showBar: boolean, follow: boolean) {
  const bar = showBar ? new ProgressBar() : undefined;
  let caughtUp = false;
  const say = (message: string) => {
    bar?.clear();
    log.info(message);
  };
  const onProgress: FollowOptions["onProgress"] = (p) => {
    if (!bar || caughtUp) return;
    const now = pathState(file);
    const size = now.kind === "file" ? now.size : p.byteOffset;
    if (follow && p.reading === file && p.byteOffset >= size) {
      caughtUp = true;
      say(`caught up with ${file} (${p.linesRead} lines); following it, Ctrl-C to stop`);
      return;
    }
    bar.update(p.byteOffset, Math.max(size, p.byteOffset), p.linesRead);
  };
  return { onProgress, say, clear: () => bar?.clear() };
}

async function report(summary: FollowSummary, json: boolean): Promise<void> {
  if (json) {
    const out = new LineWriter();
    await out.line(jsonLine(summaryRecord(summary)));
    await out.flush();
  } else {
    for (const line of summaryLines(summary)) log.info(line);
  }
  const stop = summary.strictStop;
  if (stop) {
    throw new EventLogError(
      "strict_stop",
      `${stop.file}:${stop.lineNumber} (byte ${stop.byteOffset}): ${stop.reason}; the lines before it are mirrored. Fix the line, or run without --strict to quarantine it and go on`,
    );
  }
}

const command = defineCommand({
  meta: {
    name: "mirror",
    description:
      "Mirror a legacy JSONL event file into the event log: backfill it, resumably, and with --follow keep tailing it",
  },
  args: {
    file: {
      type: "positional",
      required: false,
      valueHint: "events.jsonl",
      description:
        "The runner's JSONL file (default: the config's \"jsonl\", else ./docs/ops/loop-runner-events.jsonl)",
    },
    follow: {
      type: "boolean",
      alias: "f",
      description:
        "After the backfill, keep tailing the file (through rotation and truncation) until Ctrl-C",
    },
    strict: {
      type: "boolean",
      description: "Stop at the first malformed line with exit code 1 instead of quarantining it",
    },
    "batch-lines": {
      type: "string",
      valueHint: "n",
      description: "Lines per transaction (events and file position commit together)",
      default: String(DEFAULT_BATCH_LINES),
    },
    threads: {
      type: "boolean",
      description:
        "Prepare lines on a second thread while the first writes (--no-threads: one thread)",
      default: true,
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog mirror docs/ops/loop-runner-events.jsonl --db events.db",
      "forge-eventlog mirror docs/ops/loop-runner-events.jsonl --follow",
      "forge-eventlog mirror --follow   # the config's jsonl into the config's db",
      "forge-eventlog mirror old-events.jsonl --db events.db --strict --json",
    ],
    notes: [
      "Resumable: the file position (device, inode, a fingerprint of the first bytes, byte offset, line number) is stored with the events of each batch, so a mirror killed at any moment continues where it stopped, with nothing lost or doubled. Running it again over the same file appends nothing.",
      "Survives the runner's retention and logrotate: a file truncated to its last lines is read again from the start (known lines count as duplicates); a file rotated (renamed or copied and truncated) to .1-.N is finished, then every newer rotated file, then the new one. A torn last line waits for its newline.",
      "A malformed line (not JSON, no kind, wrong field types, longer than 1 MiB: only its first 4 KiB kept) is stored in the quarantine table with file, line number, byte offset and reason, and counted.",
      "With --follow, a missing file (or a path that is for now a directory, FIFO or symlink loop) is waited for, and a database that is locked, full or failing is waited out: the same batch is retried until it is stored. Each is said once.",
      "With --follow, the timeline projection is brought up to date while no new lines come, a slice per poll, so 'forge-eventlog timeline' on a followed log reads only what is new.",
      "The summary goes to stderr, or with --json as one JSON object to stdout. Ctrl-C or SIGTERM finishes the current batch and exits 0.",
    ],
    exit1:
      "--strict stopped at a malformed line (the message names it); without --follow: no file at the path, or the database is locked, full, failing or unwritable",
  },
  async run({ args }) {
    const file = checkInput(args.file ?? configuredJsonl(args), args.follow === true);
    const batchLines = parseWhole(args["batch-lines"], "--batch-lines", 1);
    await withStore(openWrite(args, true), async (store) => {
      // SIGINT/SIGTERM finish the batch being written, then stop; a second one exits at once.
      const signals = onStopSignals({
        secondExits: true,
        onFirst: (signal) => log.info(`${signal}: finishing the current batch, then stopping`),
      });
      const follow = args.follow === true;
      const showBar = process.stderr.isTTY === true && args.quiet !== true && args.json !== true;
      const view = screen(file, showBar, follow);
      log.debug(`mirroring ${file} into ${store.path}`);
      let summary: FollowSummary;
      try {
        summary = await followFile({
          store,
          file,
          follow,
          strict: args.strict === true,
          batchLines,
          threads: args.threads !== false,
          signal: signals.signal,
          onNotice: view.say,
          onProgress: view.onProgress,
        });
      } finally {
        signals.dispose();
        view.clear();
      }
      await report(summary, args.json === true);
    });
  },
});

export default command;

if (import.meta.main) {
  runCli(command, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
