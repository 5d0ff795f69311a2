import { DEFAULT_EVENTS_TOPIC } from "../fmail/config.ts";
import type { FmailMessage } from "../fmail/message.ts";
import { normalizeTopic } from "../fmail/names.ts";
import { formatJsonLine, formatLogLine, readTopic, watchTopic } from "../fmail/read.ts";
import { onStopSignals } from "../io/stop-signals.ts";
import { fmailRootFor } from "./common/database.ts";
import { parseDuration, parseOptionalWhole } from "./common/options.ts";
import { LineWriter } from "./common/output.ts";
import { parseTimeBound } from "./common/time.ts";
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
    since: {
      type: "string",
      valueHint: "when",
      description:
        "First print the messages already there from this time on: 30m, 2h, or an ISO time",
    },
    last: {
      type: "string",
      alias: "n",
      valueHint: "n",
      description: "First print the last n messages already there (with --since: of those)",
    },
    count: { type: "string", valueHint: "n", description: "Stop after n messages in all" },
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
      "forge-eventlog watch -n 3 --count 3",
      "forge-eventlog watch --since 1h --event loop_error",
      "forge-eventlog watch forge-events --json | jq .body",
    ],
    notes: [
      "Prints the messages that arrive after it starts, in fmail's formats: '<id> <from> -> <to>: <body>', or with --json one compact message per line. --since and -n first print some already there (as fmail log does), then go on watching.",
      "The fmail root is $FMAIL_ROOT, else the nearest folder holding .fmail/, else the git root, else the current directory (or the config's events.root).",
      "Ctrl-C (SIGINT) or SIGTERM stops it with exit code 0, as do --count and --timeout.",
    ],
  },
  async run({ args }) {
    const { root, topic: configured } = fmailRootFor(args);
    const topic = normalizeTopic(args.topic ?? configured ?? DEFAULT_EVENTS_TOPIC);
    const count = parseOptionalWhole(args.count, "--count", 1);
    const last = parseOptionalWhole(args.last, "-n/--last");
    const since = args.since === undefined ? undefined : parseTimeBound(args.since, "--since");
    const timeoutMs =
      args.timeout === undefined ? undefined : parseDuration(args.timeout, "--timeout");
    const filter = {
      ...(args.loop === undefined ? {} : { loop: args.loop }),
      ...(args.event === undefined ? {} : { event: args.event }),
      ...(args.tag === undefined ? {} : { tag: args.tag }),
    };
    const signals = onStopSignals({ secondExits: true });
    log.debug(`watching ${topic} under ${root}`);
    const out = new LineWriter();
    const print = async (msg: FmailMessage) => {
      await out.line(args.json ? formatJsonLine(msg) : formatLogLine(msg));
      await out.flush();
    };
    // Watching starts first, so nothing published while the backlog prints is missed; a
    // message in both is printed once.
    const live = watchTopic(root, topic, {
      ...filter,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      signal: signals.signal,
    });
    let printed = 0;
    const done = () => count !== undefined && printed >= count;
    try {
      const shown = new Set<string>();
      if (since !== undefined || last !== undefined) {
        let backlog = readTopic(root, topic, filter).messages;
        if (since !== undefined) backlog = backlog.filter((m) => Date.parse(m.time) >= since);
        if (last !== undefined) backlog = last === 0 ? [] : backlog.slice(-last);
        for (const msg of backlog) {
          if (done()) break;
          shown.add(msg.id);
          await print(msg);
          printed++;
        }
      }
      if (!done()) {
        for await (const msg of live) {
          if (shown.has(msg.id)) continue;
          await print(msg);
          printed++;
          if (done()) break;
        }
      }
    } finally {
      signals.dispose();
      await live.return(undefined);
      await out.flush();
    }
  },
});
