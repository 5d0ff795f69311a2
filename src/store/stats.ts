import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { EVENT_RANGE, EVENTS_BY_KIND } from "./schema/contract.ts";
import { corruptError, describeValue } from "./translate-error.ts";

export interface EventRange {
  count: number;
  firstSequence: number | null;
  lastSequence: number | null;
  firstAt: string | null;
  lastAt: string | null;
}

/** The EVENT_RANGE row (n, lo, hi, first_at, last_at) of either engine as an EventRange. */
export function eventRangeOf(
  r: Partial<Record<"n" | "lo" | "hi" | "first_at" | "last_at", unknown>> | undefined,
): EventRange {
  return {
    count: Number(r?.n ?? 0),
    firstSequence: r?.lo == null ? null : Number(r.lo),
    lastSequence: r?.hi == null ? null : Number(r.hi),
    firstAt: typeof r?.first_at === "string" ? r.first_at : null,
    lastAt: typeof r?.last_at === "string" ? r.last_at : null,
  };
}

export function eventRange(ctx: StoreContext): EventRange {
  return reading(ctx, "counting events", () => {
    const r = ctx.stmt(EVENT_RANGE).get<{
      n: number;
      lo: number | null;
      hi: number | null;
      first_at: string | null;
      last_at: string | null;
    }>();
    for (const [column, value] of [
      ["first occurred_at", r?.first_at],
      ["last occurred_at", r?.last_at],
    ] as const) {
      if (value != null && typeof value !== "string") {
        throw corruptError(ctx.path, `the ${column} holds ${describeValue(value)}, not a time`);
      }
    }
    return eventRangeOf(r);
  });
}

export function eventsByKind(ctx: StoreContext): { kind: string; count: number }[] {
  return reading(ctx, "counting events by kind", () =>
    ctx
      .stmt(EVENTS_BY_KIND)
      .all<{ kind: string; n: number }>()
      .map((r) => {
        if (typeof r.kind !== "string") {
          throw corruptError(ctx.path, `an event's kind holds ${describeValue(r.kind)}`);
        }
        return { kind: r.kind, count: Number(r.n) };
      }),
  );
}

/** SQLite's `data_version`: changes whenever another connection commits (a cheap wake-up check). */
export function dataVersion(ctx: StoreContext): number {
  return reading(ctx, "checking for new commits", () =>
    Number(ctx.stmt("PRAGMA data_version").get<{ data_version: number }>()?.data_version ?? 0),
  );
}

export function schemaVersion(ctx: StoreContext): number {
  return reading(ctx, "reading the schema version", () =>
    Number(ctx.stmt("PRAGMA user_version").get<{ user_version: number }>()?.user_version ?? 0),
  );
}
