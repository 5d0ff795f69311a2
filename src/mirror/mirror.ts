import { legacyLine } from "../encoding/python-json.ts";
import type { EventStore } from "../store/event-store.ts";
import type { LineOrigin } from "../store/quarantine.ts";
import { planRecord, type RecordPlan } from "./plan-record.ts";

export interface MirrorStats {
  records: number;
  appended: number;
  duplicates: number;
  conflicts: number;
  quarantined: number;
  /** Records of kinds nobody maps, by kind. */
  skipped: Record<string, number>;
}

/**
 * The distinct skipped kinds counted by name (and the longest name counted as one); the rest
 * count under OTHER_KINDS, so a file of made-up kinds cannot grow the summary without bound.
 */
const MAX_SKIPPED_KINDS = 100;
const MAX_KIND_NAME = 100;
export const OTHER_KINDS = "(other)";

export function emptyMirrorStats(): MirrorStats {
  return { records: 0, appended: 0, duplicates: 0, conflicts: 0, quarantined: 0, skipped: {} };
}

export type RecordOutcome =
  | { status: "mirrored"; appended: number; duplicates: number; conflicts: number }
  | { status: "skipped"; kind: string }
  | { status: "quarantined"; reason: string };

/**
 * Writes legacy records into the durable log. Each record's events are appended in one
 * transaction (all or none); calls made inside `store.transaction` join the caller's, which is
 * how the follower stores events and its file position together.
 */
export class Mirror {
  /** `counters` may be shared, so totals survive reopening the store. */
  constructor(
    readonly store: EventStore,
    private readonly counters: MirrorStats = emptyMirrorStats(),
  ) {}

  /**
   * Mirrors one parsed legacy record. `origin` says where it came from; an invalid record is
   * quarantined under it (default: from a hook, its JSON re-encoded as the raw text).
   */
  mirrorRecord(value: unknown, origin?: LineOrigin): RecordOutcome {
    return this.applyPlan(planRecord(value), value, origin);
  }

  /**
   * The database half of `mirrorRecord`, for a plan made elsewhere (`planRecord`, e.g. on a
   * worker thread). `value` is what an invalid record is quarantined as when `origin` is absent.
   */
  applyPlan(plan: RecordPlan, value: unknown, origin?: LineOrigin): RecordOutcome {
    this.counters.records++;
    if (plan.status === "invalid") return this.reject(value, plan.reason, origin);
    if (plan.status === "skipped") {
      const kind = plan.kind;
      const skipped = this.counters.skipped;
      const known = Object.hasOwn(skipped, kind);
      const named =
        known || (kind.length <= MAX_KIND_NAME && Object.keys(skipped).length < MAX_SKIPPED_KINDS);
      const key = named ? kind : OTHER_KINDS;
      skipped[key] = (skipped[key] ?? 0) + 1;
      return { status: "skipped", kind };
    }
    const results = this.store.appendEncoded(plan.events);
    let appended = 0;
    let duplicates = 0;
    let conflicts = 0;
    for (const r of results) {
      if (r.outcome === "appended") appended++;
      else if (r.outcome === "duplicate") duplicates++;
      else conflicts++;
    }
    this.counters.appended += appended;
    this.counters.duplicates += duplicates;
    this.counters.conflicts += conflicts;
    return { status: "mirrored", appended, duplicates, conflicts };
  }

  /** Stores an unusable line (not JSON, no kind, wrong field types) in the quarantine table. */
  reject(value: unknown, reason: string, origin?: LineOrigin): RecordOutcome {
    const where = origin ?? { source: "plugin", raw: safeRaw(value) };
    this.store.quarantine(where, reason);
    this.counters.quarantined++;
    return { status: "quarantined", reason };
  }

  stats(): MirrorStats {
    return { ...this.counters, skipped: { ...this.counters.skipped } };
  }
}

/** The record as the runner would have written it, or, if it has no JSON form, a description. */
function safeRaw(value: unknown): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return String(value);
  try {
    return legacyLine(value as Record<string, unknown>);
  } catch {
    const kind = (value as { kind?: unknown }).kind;
    return `(a ${typeof kind === "string" ? kind : "record"} with no JSON form)`;
  }
}
