import { applyEvent, emptyTimelines, type Timelines } from "../replay/timeline-state.ts";
import type { PgEventStore } from "../store/pg/pg-store.ts";

/**
 * One source's timelines from a shared PostgreSQL log, folded in the source's own order and
 * numbered by its own sequences, so they equal the timelines of that host's local log: saga
 * tick:7 of runner A and tick:7 of runner B are different ticks.
 */
export async function sourceTimelines(pg: PgEventStore, source: string): Promise<Timelines> {
  const t = emptyTimelines();
  for await (const e of pg.sinceWithOrigin(0, { source })) {
    applyEvent(t, { ...e, sequence: e.source_sequence ?? e.sequence });
  }
  return t;
}

/** Every source's timelines, by source name (events written here directly under ""). */
export async function fleetTimelines(pg: PgEventStore): Promise<Map<string, Timelines>> {
  const out = new Map<string, Timelines>();
  for (const { source } of await pg.sources()) {
    if (source !== null) out.set(source, await sourceTimelines(pg, source));
  }
  return out;
}
