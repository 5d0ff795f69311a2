import type { ArgsDef } from "citty";
import { EVENT_KINDS, type SinceFilter } from "../../store/index.ts";
import type { FilterArgs } from "./args.ts";
import { didYouMean } from "./suggest.ts";
import { parseOptionalWhole, usageError } from "./values.ts";

export const rangeArgs = {
  from: { type: "string", valueHint: "seq", description: "Start at this sequence (default: 1)" },
  to: { type: "string", valueHint: "seq", description: "Stop after this sequence" },
} as const satisfies ArgsDef;

export type RangeArgs = { from?: string; to?: string };

/** `--kind a,b,task.*` → the contract kinds it names. */
export function parseKinds(value: string | undefined): string[] | undefined {
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
