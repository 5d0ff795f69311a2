import type { ArgsDef } from "citty";

/** Accepted by every command, before or after the command name. */
export const globalArgs = {
  db: {
    type: "string",
    valueHint: "path",
    description: 'Event database (default: config "db" or ./.forge/events.db)',
  },
  config: {
    type: "string",
    valueHint: "path",
    description: 'Config file with "db" (default: ./forge-eventlog.config.json)',
  },
  json: { type: "boolean", description: "Machine output: one JSON object per line on stdout" },
  quiet: { type: "boolean", alias: "q", description: "Print nothing on stderr but errors" },
  debug: { type: "boolean", description: "Print debug messages, and stack traces on errors" },
} as const satisfies ArgsDef;

export type GlobalArgs = {
  db?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
};

/** Built-in flags the dispatcher handles itself; listed so help shows them with the globals. */
export const builtinArgs = {
  help: { type: "boolean", alias: "h", description: "Show help for the command" },
} as const satisfies ArgsDef;

export const rootOnlyArgs = {
  version: { type: "boolean", description: "Print the version" },
} as const satisfies ArgsDef;

/** Which events: by kind, task (issue) and saga (tick). */
export const filterArgs = {
  kind: {
    type: "string",
    valueHint: "kinds",
    description: "Only these kinds, comma-separated; 'task.*' matches a prefix",
  },
  issue: { type: "string", valueHint: "n", description: "Only events of task issue:<n>" },
  task: { type: "string", valueHint: "id", description: "Only events with this raw task_id" },
  tick: { type: "string", valueHint: "n", description: "Only events of saga tick:<n>" },
  saga: { type: "string", valueHint: "id", description: "Only events with this raw saga_id" },
} as const satisfies ArgsDef;

export type FilterArgs = {
  kind?: string;
  issue?: string;
  task?: string;
  tick?: string;
  saga?: string;
};
