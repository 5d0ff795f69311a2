import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import { EVENT_RANGE, EVENTS_BY_KIND } from "./schema/contract.ts";

export interface EventRange {
  count: number;
  firstSequence: number | null;
  lastSequence: number | null;
  firstAt: string | null;
  lastAt: string | null;
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
    return {
      count: Number(r?.n ?? 0),
      firstSequence: r?.lo == null ? null : Number(r.lo),
      lastSequence: r?.hi == null ? null : Number(r.hi),
      firstAt: r?.first_at ?? null,
      lastAt: r?.last_at ?? null,
    };
  });
}

export function eventsByKind(ctx: StoreContext): { kind: string; count: number }[] {
  return reading(ctx, "counting events by kind", () =>
    ctx
      .stmt(EVENTS_BY_KIND)
      .all<{ kind: string; n: number }>()
      .map((r) => ({ kind: r.kind, count: Number(r.n) })),
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
