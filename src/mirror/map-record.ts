import type { AnyLegacyRecord, KnownLegacyKind, TickOutcome } from "../legacy/schemas.ts";
import { LOOP_END_KINDS, terminalKindOf } from "../legacy/vocabulary.ts";
import type { EventKind } from "../store/kinds.ts";
import type { AppendInput } from "../store/record.ts";
import {
  canonicalRecord,
  contentKey,
  entityKey,
  KEY_PREFIX,
  type KeyAliases,
  type KeyFormat,
  otherKeyFormat,
  prNumber,
  upstreamKey,
  type V1Parts,
  v1Key,
} from "./idempotency-key.ts";

/**
 * Legacy record → durable events (the table and our additions are in docs/mirror.md). The mapping is stateless: an event carries `saga_id` only when its own
 * record names the tick, so a record maps the same wherever a reader starts in the file.
 * Returns null for kinds nobody maps (they are skipped and counted, never errors).
 * `fallbackTime`: the occurred_at of a record without `ts` (the follower passes the previous
 * line's `ts`); it changes nothing else, the idempotency key included. Default: null (now).
 * `keyFormat`: the format of the database the events are for (`EventStore.keyFormat()`).
 */
export function mapLegacyRecord(
  record: AnyLegacyRecord,
  fallbackTime: string | null = null,
  keyFormat: KeyFormat = KEY_PREFIX,
): AppendInput[] | null {
  const map = MAPPERS[record.kind as KnownLegacyKind];
  return map ? map(new Builder(record, keyFormat, null, fallbackTime)) : null;
}

/**
 * The keys each of the record's events may already be stored under (our earlier format,
 * forge-loop's own mirror), in the order `mapLegacyRecord` returns the events; null when the
 * kind is not mapped. Only needed for a database that holds such keys.
 */
export function keyAliasesOf(
  record: AnyLegacyRecord,
  keyFormat: KeyFormat = KEY_PREFIX,
): KeyAliases[] | null {
  const map = MAPPERS[record.kind as KnownLegacyKind];
  if (!map) return null;
  const aliases: KeyAliases[] = [];
  map(new Builder(record, keyFormat, aliases));
  return aliases;
}

type R = Record<string, unknown>;

/** The PR a `pr.merged` is about, when its record names one. */
interface Merge {
  issue: number;
  pr: number;
}

/** Where an event sits in its record: its key part, and the same place in the earlier format. */
interface Place {
  tick: number | undefined;
  issue: number | undefined;
  /** "" for an event carrying the whole record, `issue=<n>[/outcome=<k>]` for a per-issue one. */
  part: string;
  v1: V1Parts;
}

class Builder {
  readonly rec: R;
  readonly canonical: string;

  constructor(
    readonly record: AnyLegacyRecord,
    private readonly format: KeyFormat,
    private readonly aliases: KeyAliases[] | null,
    private readonly fallbackTime: string | null = null,
  ) {
    this.rec = record as R;
    this.canonical = canonicalRecord(this.rec);
  }

  get tick(): number | undefined {
    return typeof this.rec.tick === "number" ? this.rec.tick : undefined;
  }

  get issue(): number | undefined {
    return typeof this.rec.issue === "number" ? this.rec.issue : undefined;
  }

  /** The record's own fields (`kind` renamed `legacy_kind`), plus per-event extras. */
  payload(extra: R = {}): R {
    const { kind, ...fields } = this.rec;
    return { legacy_kind: kind, ...fields, ...extra };
  }

  /** `merge` names the PR an entity key is for; without it the key is the record's occurrence. */
  event(kind: EventKind, payload: R, place: Place, merge?: Merge): AppendInput {
    const { issue, tick } = place;
    const key = (format: KeyFormat) =>
      merge
        ? entityKey(format, kind, merge.issue, merge.pr)
        : contentKey(format, kind, place.part, this.canonical);
    if (this.aliases) {
      this.aliases.push({
        v1: v1Key(this.record.kind, kind, place.v1, this.rec, this.canonical),
        upstream: upstreamKey(kind, this.record.kind, payload),
        other: key(otherKeyFormat(this.format)),
      });
    }
    return {
      kind,
      payload,
      taskId: issue === undefined ? null : `issue:${issue}`,
      sagaId: tick === undefined ? null : `tick:${tick}`,
      idempotencyKey: key(this.format),
      occurredAt: typeof this.rec.ts === "string" ? this.rec.ts : this.fallbackTime,
    };
  }

  /** Where an event carrying the whole record sits. */
  private get wholePlace(): Place {
    const pr = this.rec.pr ?? this.rec.pr_url;
    return {
      tick: this.tick,
      issue: this.issue,
      part: "",
      v1: { tick: this.tick, issue: this.issue, pr, session: this.rec.session_id },
    };
  }

  /** One event carrying the whole record. */
  whole(kind: EventKind, extra: R = {}): AppendInput {
    return this.event(kind, this.payload(extra), this.wholePlace);
  }

  /** An event about one issue of a record that lists several (a selection, a tick's outcomes). */
  perIssue(kind: EventKind, issue: number, fields: R, repeat?: string): AppendInput {
    return this.event(kind, this.issueFields(issue, fields), this.issuePlace(issue, repeat));
  }

  private issueFields(issue: number, fields: R): R {
    const base: R = { legacy_kind: this.record.kind, tick: this.tick, ...fields, issue };
    if (typeof this.rec.ts === "string") base.ts = this.rec.ts;
    return base;
  }

  private issuePlace(issue: number, repeat: string | undefined): Place {
    const part = repeat === undefined ? `issue=${issue}` : `issue=${issue}/${repeat}`;
    return { tick: this.tick, issue, part, v1: { tick: this.tick, issue, part: repeat } };
  }

  /**
   * The one `pr.merged` of a PR: keyed by the issue and the PR's number, so every record that
   * reports the merge gives the same key and the later ones are duplicates. Its payload carries
   * the cost fields forge-loop's console reads (0 when the record has none). Without a PR
   * number it is keyed as an occurrence of its record.
   */
  merged(source: { issue: number; fields: R; repeat?: string } | null): AppendInput {
    const issue = source ? source.issue : this.issue;
    const fields = source ? this.issueFields(source.issue, source.fields) : this.payload();
    const place = source ? this.issuePlace(source.issue, source.repeat) : this.wholePlace;
    const pr = prNumber(fields.pr_url) ?? prNumber(fields.pr);
    const payload = { ...fields, status: "merged", ...costOf(fields) };
    const merge = issue !== undefined && pr !== null ? { issue, pr } : undefined;
    return this.event("pr.merged", payload, place, merge);
  }
}

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** `cost_usd`, `input_tokens`, `output_tokens`: the outcome's, from its `usage`; 0 when unknown. */
function costOf(fields: R): { cost_usd: number; input_tokens: number; output_tokens: number } {
  const usage = (fields.usage ?? {}) as R;
  return {
    cost_usd: count(fields.cost_usd),
    input_tokens: count(fields.input_tokens ?? usage.input_tokens),
    output_tokens: count(fields.output_tokens ?? usage.output_tokens),
  };
}

/** `pr.opened` (with a PR), the terminal event of `status` (or an observation), and `pr.merged`. */
function outcomeEvents(
  b: Builder,
  issue: number,
  fields: R,
  status: unknown,
  repeat: string | undefined,
  perIssue: boolean,
): AppendInput[] {
  const events: AppendInput[] = [];
  const one = (kind: EventKind) =>
    perIssue ? b.perIssue(kind, issue, fields, repeat) : b.whole(kind);
  if (fields.pr_url) events.push(one("pr.opened"));
  events.push(one(terminalKindOf(status) ?? "worker.observation"));
  if (status === "merged") events.push(b.merged(perIssue ? { issue, fields, repeat } : null));
  return events;
}

function tickDone(b: Builder): AppendInput[] {
  const outcomes = (b.rec.outcomes as TickOutcome[]) ?? [];
  const events = [b.whole("tick.completed", { outcome_count: outcomes.length })];
  const seen = new Map<number, number>();
  for (const o of outcomes) {
    const n = (seen.get(o.issue) ?? 0) + 1;
    seen.set(o.issue, n);
    const repeat = n > 1 ? `outcome=${n}` : undefined;
    events.push(...outcomeEvents(b, o.issue, { ...o } as R, o.status, repeat, true));
  }
  return events;
}

function workerDone(b: Builder): AppendInput[] {
  const issue = b.issue as number;
  return outcomeEvents(b, issue, b.rec, b.rec.status, undefined, false);
}

function sessionTransition(b: Builder): AppendInput[] {
  switch (b.rec.new_state) {
    case "awaiting_critic":
      return [b.whole("pr.opened")];
    case "abandoned":
      // forge-loop's newest mirror writes `failed`: an abandoned session is a failed task.
      return [b.whole("task.failed", { status: "failed" })];
    case "merged":
      // The PR's one pr.merged comes from the outcome record (tick_done, worker_done), which
      // carries its cost; this record's facts stay on task.completed.
      return [b.whole("task.completed", { status: "merged" })];
    default:
      return [b.whole("worker.observation")];
  }
}

function stageProblem(status: "timeout" | "failed") {
  return (b: Builder): AppendInput[] =>
    b.rec.stage === "worker" && b.issue !== undefined
      ? [b.whole("task.failed", { status })]
      : [b.whole("worker.observation")];
}

const halt = (b: Builder) => [b.whole("loop.halted", { reason: b.record.kind })];
const heartbeat = (b: Builder) => [b.whole("task.heartbeat")];
const dispatched = (b: Builder) => [b.whole("task.dispatched")];
const critique = (b: Builder) => [b.whole("critique.issued")];

const MAPPERS: Partial<Record<KnownLegacyKind, (b: Builder) => AppendInput[]>> = {
  tick_start: (b) => [
    b.whole("tick.started"),
    ...((b.rec.issues as number[]) ?? []).map((issue) =>
      b.perIssue("task.planned", issue, { selected: true }),
    ),
  ],
  po_done: (b) => {
    const outcomes = (b.rec.outcomes as R[] | null) ?? [];
    return ((b.rec.expanded as number[]) ?? []).map((issue) => {
      const outcome = outcomes.find((o) => o.issue === issue) ?? {};
      return b.perIssue("task.planned", issue, { ...outcome, expanded: true });
    });
  },
  tick_done: tickDone,
  // Ours: an idle or all-skipped tick also ends the tick.
  tick_idle: (b) => [b.whole("tick.completed", { status: "idle" })],
  tick_all_skipped: (b) => [b.whole("tick.completed", { status: "all_skipped" })],
  worker_start: dispatched,
  worker_started: dispatched,
  worker_iteration_attempt: dispatched,
  worker_session_transition: sessionTransition,
  watchdog_started: heartbeat,
  watchdog_worker_stuck: heartbeat,
  watchdog_worker_killed: heartbeat,
  stage_timeout: stageProblem("timeout"),
  stage_error: stageProblem("failed"),
  critic_done: critique,
  critic_verdict_merged: critique,
  critic_verdict_revising: critique,
  critic_verdict_unknown: critique,
  critic_verdict_blocked: (b) => [b.whole("critique.issued"), b.whole("merge.blocked")],
  merge_refused_issue_closed: (b) => [b.whole("merge.blocked")],
  worker_done: workerDone,
  worker_failed: (b) => [b.whole("task.failed", { status: "failed" })],
  post_critic_automerge_enabled: (b) => [b.merged(null)],
  post_critic_automerge_failed: (b) => [b.whole("merge.blocked")],
  worker_work_rescued: (b) => [b.whole("task.compensated", { status: "compensated" })],
  worktree_reaped: (b) => [b.whole("worktree.reaped")],
  // Ours: a preserved worktree is an observation worth keeping on the timeline.
  worktree_preserved: (b) => [b.whole("worker.observation")],
  ...Object.fromEntries(LOOP_END_KINDS.map((kind) => [kind, halt])),
};

export const MAPPED_LEGACY_KINDS = Object.keys(MAPPERS) as KnownLegacyKind[];
