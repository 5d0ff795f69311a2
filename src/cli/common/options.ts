import { z } from "zod";
import { EVENT_KINDS } from "../../store/kinds.ts";
import type { SinceFilter } from "../../store/read.ts";
import type { OptionsDef } from "../framework/command.ts";
import { usageError } from "../framework/errors.ts";
import { didYouMean } from "../framework/parse.ts";

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
} as const satisfies OptionsDef;

export type FilterArgs = {
  kind?: string;
  issue?: string;
  task?: string;
  tick?: string;
  saga?: string;
};

export const rangeArgs = {
  from: { type: "string", valueHint: "seq", description: "Start at this sequence (default: 1)" },
  to: { type: "string", valueHint: "seq", description: "Stop after this sequence" },
} as const satisfies OptionsDef;

export type RangeArgs = { from?: string; to?: string };

/** `--kind a,b,task.*` → the contract kinds it names. */
function parseKinds(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const kinds = new Set<string>();
  for (const raw of value.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    if (name.endsWith("*")) {
      const prefix = name.slice(0, -1);
      const matched = EVENT_KINDS.filter((k) => k.startsWith(prefix));
      if (matched.length === 0) throw usageError(`--kind ${name} matches no event kind`);
      for (const k of matched) kinds.add(k);
    } else if ((EVENT_KINDS as readonly string[]).includes(name)) {
      kinds.add(name);
    } else {
      throw usageError(
        `unknown event kind ${JSON.stringify(name)}${didYouMean(name, EVENT_KINDS)}; the kinds are ${EVENT_KINDS.join(", ")}`,
      );
    }
  }
  if (kinds.size === 0) throw usageError("--kind needs at least one event kind");
  return [...kinds];
}

function idFilter(
  numbered: string | undefined,
  raw: string | undefined,
  names: { numbered: string; raw: string; prefix: string },
): string | undefined {
  if (numbered !== undefined && raw !== undefined) {
    throw usageError(`use --${names.numbered} or --${names.raw}, not both`);
  }
  if (raw !== undefined) {
    if (raw === "") throw usageError(`--${names.raw} needs a value`);
    return raw;
  }
  if (numbered === undefined) return undefined;
  if (!/^\d+$/.test(numbered.trim())) {
    throw usageError(
      `--${names.numbered} takes a number, e.g. --${names.numbered} 42 (got ${JSON.stringify(numbered)}); use --${names.raw} for a raw id`,
    );
  }
  return `${names.prefix}:${Number(numbered)}`;
}

export function parseFilter(args: FilterArgs): SinceFilter {
  const filter: SinceFilter = {};
  const kinds = parseKinds(args.kind);
  if (kinds) filter.kinds = kinds;
  const taskId = idFilter(args.issue, args.task, {
    numbered: "issue",
    raw: "task",
    prefix: "issue",
  });
  if (taskId !== undefined) filter.taskId = taskId;
  const sagaId = idFilter(args.tick, args.saga, { numbered: "tick", raw: "saga", prefix: "tick" });
  if (sagaId !== undefined) filter.sagaId = sagaId;
  return filter;
}

export interface Range {
  /** Events with sequence > after. */
  after: number;
  /** Last sequence to include; undefined = no bound. */
  to: number | undefined;
}

export function parseRange(args: RangeArgs): Range {
  const from = parseOptionalWhole(args.from, "--from");
  const to = parseOptionalWhole(args.to, "--to");
  if (from !== undefined && to !== undefined && to < from) {
    throw usageError(`--to ${to} is before --from ${from}`);
  }
  return { after: Math.max(0, (from ?? 1) - 1), to };
}

const wholeNumber = z
  .string()
  .trim()
  .regex(/^\d+$/)
  .transform(Number)
  .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER));

/** A whole number flag or argument (`--from 12`); anything else is a usage error. */
export function parseWhole(value: string, name: string, min = 0): number {
  const parsed = wholeNumber.safeParse(value);
  if (!parsed.success || parsed.data < min) {
    throw usageError(`${name} must be a whole number >= ${min} (got ${JSON.stringify(value)})`);
  }
  return parsed.data;
}

export function parseOptionalWhole(
  value: string | undefined,
  name: string,
  min = 0,
): number | undefined {
  return value === undefined ? undefined : parseWhole(value, name, min);
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5` (seconds), `500ms`, `2.5s`, `1m`, `1h`. */
export function parseDuration(value: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) {
    throw usageError(
      `${name} must be a duration such as 5, 500ms, 2s or 1m (got ${JSON.stringify(value)})`,
    );
  }
  const unit = (m[2] ?? "s") as keyof typeof UNIT_MS;
  return Math.round(Number(m[1]) * UNIT_MS[unit]);
}
