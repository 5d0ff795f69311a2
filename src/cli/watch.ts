import { DEFAULT_EVENTS_TOPIC } from "../fmail/config.ts";
import { normalizeTopic } from "../fmail/names.ts";
import { formatJsonLine, formatLogLine, watchTopic } from "../fmail/read.ts";
import { onStopSignals } from "../io/stop-signals.ts";
import { fmailRootFor } from "./common/database.ts";
import { parseDuration, parseOptionalWhole } from "./common/options.ts";
import { LineWriter } from "./common/output.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { log } from "./framework/terminal.ts";

export default defineCommand({
  meta: {
    name: "watch",
    description: "Follow loop lifecycle events on an fmail topic (like fmail watch)",
  },
  args: {
    topic: {
      type: "positional",
      required: false,
      valueHint: "topic",
      description: `The fmail topic (default: the config's events.topic, else ${DEFAULT_EVENTS_TOPIC})`,
    },
    loop: { type: "string", valueHint: "name", description: "Only events of this loop" },
    event: {
      type: "string",
      valueHint: "event",
      description: "Only this event, e.g. iteration_complete, loop_error",
    },
    tag: { type: "string", valueHint: "tag", description: "Only messages carrying this tag" },
    count: { type: "string", valueHint: "n", description: "Stop after n messages" },
    timeout: {
      type: "string",
      valueHint: "duration",
      description: "Stop after this long, e.g. 30s, 5m (default: until Ctrl-C)",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog watch",
      "forge-eventlog watch --loop coder-1 --event iteration_complete --count 1",
      "forge-eventlog watch forge-events --json | jq .body",
    ],
    notes: [
      "Prints only messages that arrive after it starts, in fmail's formats: '<id> <from> -> <to>: <body>', or with --json one compact message per line.",
      "The fmail root is $FMAIL_ROOT, else the nearest folder holding .fmail/, else the git root, else the current directory (or the config's events.root).",
      "Ctrl-C (SIGINT) or SIGTERM stops it with exit code 0, as do --count and --timeout.",
    ],
  },
  async run({ args }) {
    const { root, topic: configured } = fmailRootFor(args);
    const topic = normalizeTopic(args.topic ?? configured ?? DEFAULT_EVENTS_TOPIC);
    const count = parseOptionalWhole(args.count, "--count", 1);
    const timeoutMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const signals = onStopSignals({ secondExits: true });
    log.debug(`watching ${topic} under ${root}`);
    const out = new LineWriter();
    try {
      for await (const msg of watchTopic(root, topic, {
        ...(args.loop === undefined ? {} : { loop: args.loop }),
        ...(args.event === undefined ? {} : { event: args.event }),
        ...(args.tag === undefined ? {} : { tag: args.tag }),
        ...(count === undefined ? {} : { count }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        signal: signals.signal,
      })) {
        await out.line(args.json ? formatJsonLine(msg) : formatLogLine(msg));
        await out.flush();
      }
    } finally {
      signals.dispose();
      await out.flush();
    }
  },
});
