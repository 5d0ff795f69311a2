import { legacyLine } from "../encoding/python-json.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
import type { EncodedEvent, InsertOutcome } from "../store/append.ts";
import { orderedEventIds } from "../store/event-ids.ts";
import type { EventStore } from "../store/event-store.ts";
import type { LineOrigin } from "../store/quarantine.ts";
import {
  isEntityKey,
  type KeyAliases,
  type KeyFormat,
  keyHasFormat,
  otherKeyFormat,
  prNumber,
  UPSTREAM_KEY_PREFIX,
  V1_KEY_PREFIX,
} from "./idempotency-key.ts";
import { keyAliasesOf } from "./map-record.ts";
import { planRecord, type RecordPlan } from "./plan-record.ts";

export interface MirrorStats {
  records: number;
  appended: number;
  /** Events already stored under their key (re-read lines, or our earlier key format). */
  duplicates: number;
  /** Events forge-loop's own mirror already stored (same durable kind and identity). */
  upstreamDuplicates: number;
  /** A stored key with other content: nothing overwritten, the refused event kept in `conflicts`. */
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

const freshId = orderedEventIds();

export function emptyMirrorStats(): MirrorStats {
  return {
    records: 0,
    appended: 0,
    duplicates: 0,
    upstreamDuplicates: 0,
    conflicts: 0,
    quarantined: 0,
    skipped: {},
  };
}

export type RecordOutcome =
  | {
      status: "mirrored";
      appended: number;
      duplicates: number;
      upstreamDuplicates: number;
      conflicts: number;
    }
  | { status: "skipped"; kind: string }
  | { status: "quarantined"; reason: string };

/**
 * Writes legacy records into the durable log. Each record's events are appended in one
 * transaction (all or none); calls made inside `store.transaction` join the caller's, which is
 * how the follower stores events and its file position together.
 */
export class Mirror {
  /** `counters` may be shared, so totals survive reopening the store. */
  private readonly families = new KeyFamilies();

  constructor(
    readonly store: EventStore,
    private readonly counters: MirrorStats = emptyMirrorStats(),
  ) {}

  /**
   * Runs `fn` in one write transaction (records mirrored in it join it), looking for the other
   * key families once for all of them: while this connection holds the write lock no other
   * one can commit, so what the database holds cannot change under it.
   */
  transaction<T>(fn: () => T, doing: string): T {
    return this.store.transaction(() => {
      this.families.refresh(this.store);
      this.families.held = true;
      try {
        return fn();
      } finally {
        this.families.held = false;
      }
    }, doing);
  }

  /**
   * Mirrors one parsed legacy record. `origin` says where it came from; an invalid record is
   * quarantined under it (default: from a hook, its JSON re-encoded as the raw text).
   */
  mirrorRecord(value: unknown, origin?: LineOrigin): RecordOutcome {
    return this.applyPlan(
      planRecord(value, undefined, null, this.store.keyFormat()),
      value,
      origin,
    );
  }

  /**
   * The database half of `mirrorRecord`, for a plan made elsewhere (`planRecord`, e.g. on a
   * worker thread). `value` is what an invalid record is quarantined as when `origin` is absent.
   */
  applyPlan(plan: RecordPlan, value: unknown, origin?: LineOrigin): RecordOutcome {
    plan = this.inKeyFormat(plan, value, origin);
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
    const r = this.store.transaction(
      () => this.insert(plan.events, value, origin),
      "mirroring a record",
    );
    this.counters.appended += r.appended;
    this.counters.duplicates += r.duplicates;
    this.counters.upstreamDuplicates += r.upstreamDuplicates;
    this.counters.conflicts += r.conflicts;
    return { status: "mirrored", ...r };
  }

  /**
   * The plan with the database's key format. One made for another format (planned where the
   * database was not known, e.g. a record the plugin could not hand to its writer) is made
   * again from its record, with the same event ids and the time a record without `ts` got.
   */
  private inKeyFormat(plan: RecordPlan, value: unknown, origin?: LineOrigin): RecordPlan {
    const format = this.store.keyFormat();
    if (
      plan.status !== "events" ||
      plan.events.every((e) => keyHasFormat(e.idempotency_key, format))
    ) {
      return plan;
    }
    const source = value ?? origin?.raw;
    const record = typeof source === "string" ? JSON.parse(source) : source;
    const ids = plan.events.map((e) => e.event_id);
    let next = 0;
    const sameId = () => ids[next++] ?? freshId();
    return planRecord(record, sameId, plan.events[0]?.occurred_at ?? null, format);
  }

  /**
   * Inside the write transaction: drops the events another key family already holds (our
   * earlier formats, forge-loop's mirror), appends the rest, and stores each conflict.
   */
  private insert(events: EncodedEvent[], value: unknown, origin: LineOrigin | undefined) {
    let duplicates = 0;
    let upstreamDuplicates = 0;
    let conflicts = 0;
    let fresh = events;
    const families = this.families.refresh(this.store);
    const format = this.store.keyFormat();
    const aliases =
      families.v1 || families.upstream || families.other
        ? aliasesFor(value, events.length, format)
        : null;
    if (aliases) {
      fresh = [];
      events.forEach((e, i) => {
        const a = aliases[i] as KeyAliases;
        if (families.v1 && this.store.hasKey(a.v1)) duplicates++;
        else if (families.other && this.store.hasKey(a.other)) duplicates++;
        else if (families.upstream && this.upstreamHolds(e, a.upstream)) upstreamDuplicates++;
        else fresh.push(e);
      });
    }
    const results = this.store.appendEncoded(fresh);
    let appended = 0;
    results.forEach((r, i) => {
      const e = fresh[i] as EncodedEvent;
      if (r.outcome === "appended") appended++;
      else if (r.outcome === "duplicate" || sameEntity(e, r)) duplicates++;
      else {
        conflicts++;
        this.store.recordConflict({
          idempotencyKey: e.idempotency_key as string,
          existingSequence: r.existing.sequence,
          kind: e.kind,
          payloadJson: e.payload_json,
          occurredAt: e.occurred_at,
          source: origin?.source ?? (typeof value === "string" ? null : "plugin"),
          lineNumber: origin?.lineNumber ?? null,
        });
      }
    });
    return { appended, duplicates, upstreamDuplicates, conflicts };
  }

  /**
   * Whether forge-loop's mirror stored this event: its key, with or without a `:step=` suffix
   * (one or two seeks on the key index). A PR's merge is one fact whichever record reported it:
   * any of its `pr.merged` events for the same issue and PR counts (the task_id index).
   */
  private upstreamHolds(e: EncodedEvent, plain: string): boolean {
    if (e.kind === "pr.merged" && e.task_id !== null) {
      const keys = this.store.keysOfTask(e.task_id, e.kind, UPSTREAM_KEY_PREFIX);
      if (keys.length === 0) return false;
      const payload = JSON.parse(e.payload_json) as Record<string, unknown>;
      const ours = prNumber(payload.pr_url) ?? prNumber(payload.pr);
      return keys.some((k) => {
        const theirs = prNumber(/:pr=(.*?)(?::step=.*)?$/.exec(k)?.[1] ?? "");
        return ours === null || theirs === null || ours === theirs;
      });
    }
    return this.store.hasKey(plain) || this.store.hasKeyPrefix(`${plain}:step=`);
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

/** A second report of the entity an entity key names (one PR's merge): not a conflict. */
function sameEntity(e: EncodedEvent, r: InsertOutcome): boolean {
  return (
    r.outcome === "conflict" &&
    isEntityKey(e.idempotency_key) &&
    r.existing.kind === e.kind &&
    r.existing.task_id === e.task_id
  );
}

/** The aliases of a record given as its line's text or as the record; null if they do not line up. */
function aliasesFor(value: unknown, count: number, format: KeyFormat): KeyAliases[] | null {
  try {
    const record = (typeof value === "string" ? JSON.parse(value) : value) as AnyLegacyRecord;
    const aliases = keyAliasesOf(record, format);
    return aliases && aliases.length === count ? aliases : null;
  } catch {
    return null;
  }
}

/**
 * Which other key families the database holds: ours before the current formats, forge-loop's,
 * and the current format the database does not write (keys imported from another database,
 * or written by a release before the format was recorded). A family found stays found; one
 * not found is looked for again only after another connection committed (`data_version`
 * changed), so a database written by us alone costs one pragma per transaction and no key
 * lookups.
 */
class KeyFamilies {
  private readonly found = { v1: false, upstream: false, other: false };
  private version: number | null = null;
  /** Set inside Mirror.transaction, after a refresh: nothing can change until it ends. */
  held = false;

  refresh(store: EventStore): { v1: boolean; upstream: boolean; other: boolean } {
    if (this.held || (this.found.v1 && this.found.upstream && this.found.other)) return this.found;
    const version = store.dataVersion();
    if (version === this.version) return this.found;
    this.version = version;
    this.found.v1 ||= store.hasKeyPrefix(V1_KEY_PREFIX);
    this.found.upstream ||= store.hasKeyPrefix(UPSTREAM_KEY_PREFIX);
    this.found.other ||= store.hasKeyPrefix(otherKeyFormat(store.keyFormat()));
    return this.found;
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
