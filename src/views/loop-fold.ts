import { applyEvent, emptyTimelines, issueOf, type Timelines } from "../replay/timeline-state.ts";
import type { StoredEvent } from "../store/record.ts";
import { orderStory, type StoryStep, storyStep } from "./issue-story.ts";

/** What the views need about one issue beyond its timeline: title, time, cost, severities. */
export interface IssueFacts {
  issue: number;
  title: string | null;
  dispatched_at: string | null;
  terminal_at: string | null;
  merged_at: string | null;
  /** The runner reports a tick's outcome on several events; each tick's figures count once. */
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  duration_s: number;
  severities: Record<string, number>;
}

/** A halt or cooldown on the time axis. */
export interface LoopMarker {
  kind: "halt" | "cooldown";
  label: string;
  at: string;
  sequence: number;
}

export interface TickSpan {
  tick: number;
  started_at: string | null;
  completed_at: string | null;
  idle: boolean;
}

export interface FoldOptions {
  /** Stories are kept for at most this many issues; past it, none are (memory stays bounded). */
  storyIssues?: number;
  /** Steps kept per story. */
  storySteps?: number;
}

/**
 * One pass over the log for every view: the timeline projection's own fold (applyEvent), plus
 * per-issue facts, tick spans, markers and (for small logs) each issue's story. Memory grows
 * with issues and ticks, never with events.
 */
export class LoopFold {
  readonly timelines: Timelines = emptyTimelines();
  readonly facts = new Map<number, IssueFacts>();
  readonly ticks = new Map<number, TickSpan>();
  readonly markers: LoopMarker[] = [];
  stories: Map<number, StoryStep[]> | null = new Map();
  events = 0;
  firstAt: string | null = null;
  lastAt: string | null = null;
  private readonly counted = new Set<string>();
  private readonly storyIssues: number;
  private readonly storySteps: number;

  constructor(options: FoldOptions = {}) {
    this.storyIssues = options.storyIssues ?? 300;
    this.storySteps = options.storySteps ?? 200;
  }

  apply(e: StoredEvent): void {
    this.events++;
    this.firstAt ??= e.occurred_at;
    this.lastAt = e.occurred_at;
    applyEvent(this.timelines, e);
    this.tickOf(e);
    this.markerOf(e);
    const issue = issueOf(e);
    if (issue === null) return;
    const f = this.factsFor(issue);
    const p = e.payload;
    if (typeof p.title === "string") f.title = p.title;
    if (e.kind === "task.dispatched") f.dispatched_at ??= e.occurred_at;
    if (e.kind === "task.completed" || e.kind === "task.failed" || e.kind === "task.compensated") {
      f.terminal_at = e.occurred_at;
    }
    if (e.kind === "pr.merged") f.merged_at ??= e.occurred_at;
    if (e.kind === "critique.issued") addSeverities(f.severities, p.sev_counts);
    this.figuresOf(f, e);
    this.storyOf(issue, e);
  }

  private factsFor(issue: number): IssueFacts {
    let f = this.facts.get(issue);
    if (!f) {
      f = {
        issue,
        title: null,
        dispatched_at: null,
        terminal_at: null,
        merged_at: null,
        cost_usd: 0,
        input_tokens: 0,
        output_tokens: 0,
        duration_s: 0,
        severities: {},
      };
      this.facts.set(issue, f);
    }
    return f;
  }

  /** cost, tokens and duration once per issue and tick (the first event that carries them). */
  private figuresOf(f: IssueFacts, e: StoredEvent): void {
    const p = e.payload;
    if (typeof p.cost_usd !== "number" && typeof p.duration_s !== "number") return;
    if (p.legacy_kind !== "tick_done") return;
    const key = `${f.issue}:${String(p.tick)}`;
    if (this.counted.has(key)) return;
    this.counted.add(key);
    const usage = (typeof p.usage === "object" && p.usage !== null ? p.usage : p) as Record<
      string,
      unknown
    >;
    f.cost_usd += num(p.cost_usd);
    f.duration_s += num(p.duration_s);
    f.input_tokens += num(usage.input_tokens ?? p.input_tokens);
    f.output_tokens += num(usage.output_tokens ?? p.output_tokens);
  }

  private tickOf(e: StoredEvent): void {
    if (e.kind !== "tick.started" && e.kind !== "tick.completed") return;
    const m = /^tick:(\d+)$/.exec(e.saga_id ?? "");
    if (!m) return;
    const tick = Number(m[1]);
    let span = this.ticks.get(tick);
    if (!span) {
      span = { tick, started_at: null, completed_at: null, idle: false };
      this.ticks.set(tick, span);
    }
    if (e.kind === "tick.started") span.started_at = e.occurred_at;
    else {
      span.completed_at = e.occurred_at;
      span.idle = span.started_at === null;
    }
  }

  private markerOf(e: StoredEvent): void {
    if (e.kind === "loop.halted") {
      const reason = typeof e.payload.reason === "string" ? e.payload.reason : "halted";
      this.markers.push({ kind: "halt", label: reason, at: e.occurred_at, sequence: e.sequence });
    } else if (String(e.payload.legacy_kind ?? "").includes("cooldown")) {
      const label = String(e.payload.legacy_kind).replace(/_/g, " ");
      this.markers.push({ kind: "cooldown", label, at: e.occurred_at, sequence: e.sequence });
    }
  }

  private storyOf(issue: number, e: StoredEvent): void {
    if (this.stories === null) return;
    let steps = this.stories.get(issue);
    if (!steps) {
      if (this.stories.size >= this.storyIssues) {
        this.stories = null;
        return;
      }
      steps = [];
      this.stories.set(issue, steps);
    }
    if (steps.length < this.storySteps) steps.push(storyStep(e));
  }

  /** An issue's story in time order, or undefined when the log was too big to keep stories. */
  story(issue: number): StoryStep[] | undefined {
    const steps = this.stories?.get(issue);
    return steps ? orderStory(steps) : undefined;
  }
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

function addSeverities(into: Record<string, number>, counts: unknown): void {
  if (counts === null || typeof counts !== "object") return;
  for (const [sev, n] of Object.entries(counts as Record<string, unknown>)) {
    if (typeof n === "number" && n > 0) into[sev] = (into[sev] ?? 0) + n;
  }
}

/** Every event after `after` (and at or after `since`, an occurred_at), folded. */
export function foldLog(
  events: Iterable<StoredEvent>,
  options: FoldOptions & { since?: string } = {},
): LoopFold {
  const fold = new LoopFold(options);
  for (const e of events) {
    if (options.since !== undefined && e.occurred_at < options.since) continue;
    fold.apply(e);
  }
  return fold;
}
