import type { AnyLegacyRecord, KnownLegacyKind, TickOutcome } from "../legacy/schemas.ts";
import { LOOP_END_KINDS, terminalKindOf } from "../legacy/vocabulary.ts";
import type { EventKind } from "../store/kinds.ts";
import type { AppendInput } from "../store/record.ts";
import { idempotencyKey, type KeyParts, occurrenceOf } from "./idempotency-key.ts";

/**
 * Legacy record → durable events (the table and our additions are in docs/mirror.md). The mapping is stateless: an event carries `saga_id` only when its own
 * record names the tick, so a record maps the same wherever a reader starts in the file.
 * Returns null for kinds nobody maps (they are skipped and counted, never errors).
 * `fallbackTime`: the occurred_at of a record without `ts` (the follower passes the previous
 * line's `ts`); it changes nothing else, the idempotency key included. Default: null (now).
 */
export function mapLegacyRecord(
  record: AnyLegacyRecord,
  fallbackTime: string | null = null,
): AppendInput[] | null {
  const map = MAPPERS[record.kind as KnownLegacyKind];
  return map ? map(new Builder(record, fallbackTime)) : null;
}

type R = Record<string, unknown>;

class Builder {
  readonly occurrence: string;
  readonly rec: R;

  constructor(
    readonly record: AnyLegacyRecord,
    private readonly fallbackTime: string | null,
  ) {
    this.occurrence = occurrenceOf(record);
    this.rec = record as R;
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

  event(kind: EventKind, payload: R, parts: KeyParts): AppendInput {
    const issue = parts.issue;
    const tick = parts.tick;
    return {
      kind,
      payload,
      taskId: issue === undefined ? null : `issue:${issue}`,
      sagaId: tick === undefined ? null : `tick:${tick}`,
      idempotencyKey: idempotencyKey(this.record.kind, kind, parts, this.occurrence),
      occurredAt: typeof this.rec.ts === "string" ? this.rec.ts : this.fallbackTime,
    };
  }

  /** One event carrying the whole record. */
  whole(kind: EventKind, extra: R = {}): AppendInput {
    return this.event(kind, this.payload(extra), {
      tick: this.tick,
      issue: this.issue,
      pr: (this.rec.pr ?? this.rec.pr_url) as string | number | undefined,
      session: this.rec.session_id as string | undefined,
    });
  }

  /** An event about one issue of a record that lists several (a selection, a tick's outcomes). */
  perIssue(kind: EventKind, issue: number, fields: R, part?: string): AppendInput {
    const base: R = { legacy_kind: this.record.kind, tick: this.tick, ...fields, issue };
    if (typeof this.rec.ts === "string") base.ts = this.rec.ts;
    return this.event(kind, base, { tick: this.tick, issue, part });
  }
}

function tickDone(b: Builder): AppendInput[] {
  const outcomes = (b.rec.outcomes as TickOutcome[]) ?? [];
  const events = [b.whole("tick.completed", { outcome_count: outcomes.length })];
  const seen = new Map<number, number>();
  for (const o of outcomes) {
    const n = (seen.get(o.issue) ?? 0) + 1;
    seen.set(o.issue, n);
    const part = n > 1 ? `outcome=${n}` : undefined;
    const fields = { ...o } as R;
    if (o.pr_url) events.push(b.perIssue("pr.opened", o.issue, fields, part));
    events.push(
      b.perIssue(terminalKindOf(o.status) ?? "worker.observation", o.issue, fields, part),
    );
    if (o.status === "merged") events.push(b.perIssue("pr.merged", o.issue, fields, part));
  }
  return events;
}

function sessionTransition(b: Builder): AppendInput[] {
  switch (b.rec.new_state) {
    case "awaiting_critic":
      return [b.whole("pr.opened")];
    case "abandoned":
      return [b.whole("task.failed", { status: "abandoned" })];
    case "merged":
      return [b.whole("task.completed", { status: "merged" }), b.whole("pr.merged")];
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
  worker_work_rescued: (b) => [b.whole("task.compensated", { status: "compensated" })],
  worktree_reaped: (b) => [b.whole("worktree.reaped")],
  // Ours: a preserved worktree is an observation worth keeping on the timeline.
  worktree_preserved: (b) => [b.whole("worker.observation")],
  ...Object.fromEntries(LOOP_END_KINDS.map((kind) => [kind, halt])),
};

export const MAPPED_LEGACY_KINDS = Object.keys(MAPPERS) as KnownLegacyKind[];
