import { isRecordShaped, type RecordShaped } from "../legacy/shape.ts";
import {
  DEFERRED_STOP_KINDS,
  FAILURE_HALT_KINDS,
  isLoopEndKind,
  PAUSE_KIND,
  RESUME_KIND,
} from "../legacy/vocabulary.ts";
import type { LoopEvent } from "./events.ts";
import { ledgerSummary, tickExitCode } from "./ledger.ts";
import { formatFmailTime } from "./message.ts";

/**
 * Derives the loop lifecycle events (events.ts) from the legacy forge-loop runner's JSONL
 * records (`{"ts", "kind", ...}`, one schema per kind in src/legacy/schemas.ts). Stateful:
 * feed every record of one runner's stream in order. Every rule is documented in
 * docs/fmail.md ("Derivation rules").
 */
export interface LoopEventDeriverOptions {
  /** Loop name; falls back to the `loop_start` record's `label`, then `forge-loop`. */
  loop?: string;
  /** Pool; falls back to the `loop_start` record's `pools` (`po=1,worker=3,critic=1`). */
  pool?: string;
  /** Profile; falls back to the `loop_start` record's `orchestrator`. */
  profile?: string;
  /** Time of records that carry no (valid) `ts`. */
  now?: () => Date;
}

const DEFAULT_LOOP_NAME = "forge-loop";
const MAX_ERROR_TEXT = 500;
const MAX_REMEMBERED = 1000;

type Rec = Readonly<Record<string, unknown>>;

interface OpenTick {
  startMs: number;
  trigger: string | null;
}

/** Loop ends caused by a failure: a `loop_error` (will not retry), then the `loop_stop`. */
const FAILURE_HALTS: ReadonlySet<string> = new Set(FAILURE_HALT_KINDS);
/** Stop requests that wait for the ticks in flight to finish. */
const DEFERRED_STOPS: ReadonlySet<string> = new Set(DEFERRED_STOP_KINDS);

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() === "" ? undefined : v.trim();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function int(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

function issueText(v: unknown): string {
  const n = int(v);
  return n === undefined ? "" : ` on #${n}`;
}

function clip(text: string, max = MAX_ERROR_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `{po: 1, worker: 3, critic: 1}` → `po=1,worker=3,critic=1` (po, worker, critic first). */
export function describePools(pools: unknown): string | null {
  if (typeof pools === "string") return str(pools) ?? null;
  if (typeof pools !== "object" || pools === null || Array.isArray(pools)) return null;
  const entries = Object.entries(pools as Rec);
  const rank = (k: string): number => {
    const i = ["po", "worker", "critic"].indexOf(k);
    return i < 0 ? 3 : i;
  };
  entries.sort(([a], [b]) => rank(a) - rank(b));
  const parts = entries
    .map(([k, v]) => [k, str(v) ?? (v === null || v === undefined ? undefined : JSON.stringify(v))])
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(",") : null;
}

/**
 * Whether a record can derive events or change the deriver's state: every other record is
 * ignored by `observe`, so it need not be handed to a publisher at all.
 */
export function derivesEvents(record: unknown): record is RecordShaped {
  if (!isRecordShaped(record)) return false;
  const kind = record.kind.trim();
  return LoopEventDeriver.actsOn(kind) || FAILURE_HALTS.has(kind) || isLoopEndKind(kind);
}

/** Add to a Set/Map, forgetting the oldest entries beyond MAX_REMEMBERED. */
function remember<K>(set: Set<K>, key: K): void {
  set.add(key);
  if (set.size > MAX_REMEMBERED) {
    const oldest = set.values().next();
    if (!oldest.done) set.delete(oldest.value);
  }
}

type Handler = (deriver: LoopEventDeriver, rec: Rec, kind: string, ms: number) => LoopEvent[];

export class LoopEventDeriver {
  /**
   * What `observe` does for each kind it acts on by name (the loop ends, failure halts
   * included, aside): also what `derivesEvents` hands over.
   */
  private static readonly HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
    ["loop_start", (d, rec) => d.onLoopStart(rec)],
    ["tick_start", (d, rec, _kind, ms) => d.onTickStart(rec, ms)],
    ["tick_idle", (d, rec, kind, ms) => d.onEmptyTick(rec, kind, ms)],
    ["tick_all_skipped", (d, rec, kind, ms) => d.onEmptyTick(rec, kind, ms)],
    ["tick_done", (d, rec, _kind, ms) => d.onTickDone(rec, ms)],
    ["stage_error", (d, rec, kind) => [d.stageError(rec, kind)]],
    ["stage_timeout", (d, rec, kind) => [d.stageError(rec, kind)]],
    ["worker_skip_cooldown", (d, rec, _kind, ms) => d.onCooldown(rec, ms)],
    [PAUSE_KIND, (d) => d.onPause()],
    [RESUME_KIND, (d) => d.onResume()],
  ]);

  /** Whether `observe` acts on records of `kind` by name. */
  static actsOn(kind: string): boolean {
    return LoopEventDeriver.HANDLERS.has(kind);
  }

  private readonly opts: LoopEventDeriverOptions;
  private readonly now: () => Date;
  private label: string | undefined;
  private learnedPool: string | null = null;
  private learnedProfile: string | null = null;
  private running = false;
  private stopped = false;
  private pendingStop: string | undefined;
  private iterations = 0;
  private lastTick = 0;
  private readonly open = new Map<number, OpenTick>();
  private readonly counted = new Set<number>();
  private readonly cooldowns = new Map<string, number>();
  private paused = false;

  constructor(opts: LoopEventDeriverOptions = {}) {
    this.opts = opts;
    this.now = opts.now ?? (() => new Date());
  }

  /** The loop name events carry now. */
  get loop(): string {
    return str(this.opts.loop) ?? this.label ?? DEFAULT_LOOP_NAME;
  }

  get pool(): string | null {
    return str(this.opts.pool) ?? this.learnedPool;
  }

  get profile(): string | null {
    return str(this.opts.profile) ?? this.learnedProfile;
  }

  /** Iterations (distinct ticks) seen in the current run. */
  get totalIterations(): number {
    return this.iterations;
  }

  /** The events this record implies (often none). Never throws on odd input. */
  observe(record: unknown): LoopEvent[] {
    if (!derivesEvents(record)) return [];
    const rec: Rec = record;
    const kind = record.kind.trim();
    const ms = this.timeOf(rec);
    const handler = LoopEventDeriver.HANDLERS.get(kind);
    if (handler) return handler(this, rec, kind, ms);
    if (FAILURE_HALTS.has(kind)) return this.onHalt(rec, kind);
    // Any other loop end: the first one seen in a run names the reason.
    return isLoopEndKind(kind) ? this.onStop(kind) : [];
  }

  private timeOf(rec: Rec): number {
    const ts = typeof rec.ts === "string" ? Date.parse(rec.ts) : Number.NaN;
    return Number.isNaN(ts) ? this.now().getTime() : ts;
  }

  /**
   * The record's `tick`; without one, a closing record belongs to the only tick in
   * flight, and anything else is the tick after the last one seen.
   */
  private tickOf(rec: Rec, closing = false): number {
    let tick = int(rec.tick);
    if (tick === undefined && closing && this.open.size === 1) {
      tick = this.open.keys().next().value;
    }
    tick ??= this.lastTick + 1;
    this.lastTick = Math.max(this.lastTick, tick);
    return tick;
  }

  private count(tick: number): void {
    if (this.counted.has(tick)) return;
    remember(this.counted, tick);
    this.iterations++;
  }

  private onLoopStart(rec: Rec): LoopEvent[] {
    const out: LoopEvent[] = [];
    if (this.running && !this.stopped) {
      out.push({
        event: "loop_error",
        loop: this.loop,
        error: `loop restarted without a loop_stop record: the previous run ended abruptly after ${this.iterations} iterations`,
        will_retry: true,
      });
    }
    this.running = true;
    this.stopped = false;
    this.pendingStop = undefined;
    this.iterations = 0;
    this.lastTick = 0;
    this.open.clear();
    this.counted.clear();
    this.cooldowns.clear();
    this.paused = false;
    this.label = str(rec.label) ?? this.label;
    this.learnedPool = describePools(rec.pools) ?? this.learnedPool;
    this.learnedProfile = str(rec.orchestrator) ?? this.learnedProfile;
    out.push({ event: "loop_start", loop: this.loop, pool: this.pool, profile: this.profile });
    return out;
  }

  private startIteration(tick: number, ms: number, trigger: string | null): LoopEvent {
    this.open.set(tick, { startMs: ms, trigger });
    this.count(tick);
    return { event: "iteration_start", loop: this.loop, iteration: tick, trigger_msg_id: trigger };
  }

  /** A tick already completed (a repeated record) yields nothing. */
  private finished(tick: number): boolean {
    return this.counted.has(tick) && !this.open.has(tick);
  }

  private onTickStart(rec: Rec, ms: number): LoopEvent[] {
    const tick = this.tickOf(rec);
    if (this.counted.has(tick)) return [];
    return [this.startIteration(tick, ms, str(rec.trigger_msg_id) ?? null)];
  }

  private complete(
    tick: number,
    ms: number,
    exitCode: number,
    summary: string,
    trigger: string | null,
  ): LoopEvent[] {
    const open = this.open.get(tick);
    this.open.delete(tick);
    this.count(tick);
    const out: LoopEvent[] = [
      {
        event: "iteration_complete",
        loop: this.loop,
        iteration: tick,
        exit_code: exitCode,
        duration_ms: open ? Math.max(0, Math.round(ms - open.startMs)) : null,
        trigger_msg_id: open?.trigger ?? trigger,
        ledger_summary: summary,
      },
    ];
    if (this.pendingStop !== undefined && this.open.size === 0) {
      out.push(...this.emitStop(this.pendingStop));
    }
    return out;
  }

  private onEmptyTick(rec: Rec, kind: string, ms: number): LoopEvent[] {
    const tick = this.tickOf(rec, true);
    if (this.finished(tick)) return [];
    const trigger = str(rec.trigger_msg_id) ?? null;
    const out: LoopEvent[] = [];
    if (!this.open.has(tick)) out.push(this.startIteration(tick, ms, trigger));
    const summary =
      kind === "tick_idle"
        ? "idle: no issues selected"
        : "skipped: every selected issue was skipped";
    out.push(...this.complete(tick, ms, 0, summary, trigger));
    return out;
  }

  private onTickDone(rec: Rec, ms: number): LoopEvent[] {
    const tick = this.tickOf(rec, true);
    if (this.finished(tick)) return [];
    const outcomes = Array.isArray(rec.outcomes) ? rec.outcomes : [];
    const merged = Array.isArray(rec.merged) ? rec.merged : [];
    return this.complete(
      tick,
      ms,
      tickExitCode(outcomes),
      ledgerSummary(outcomes, merged),
      str(rec.trigger_msg_id) ?? null,
    );
  }

  private stageError(rec: Rec, kind: string): LoopEvent {
    const stage = str(rec.stage) ?? "unknown";
    let error: string;
    if (kind === "stage_timeout") {
      const after = str(rec.timeout_s);
      error = `${stage} stage timed out${issueText(rec.issue)}${after ? ` after ${after}s` : ""}`;
    } else {
      const err = str(rec.err);
      error = `${stage} stage failed${issueText(rec.issue)}${err ? `: ${err}` : ""}`;
    }
    return { event: "loop_error", loop: this.loop, error: clip(error), will_retry: true };
  }

  private onHalt(rec: Rec, kind: string): LoopEvent[] {
    let error: string;
    if (kind === "loop_drift_halt") {
      const sig = str(rec.signature);
      error = `loop drift halt${sig ? `: ${sig}` : ""}`;
    } else {
      const fails = str(rec.consecutive_fails);
      error = `deploy drift halt${fails ? ` after ${fails} consecutive failed deploys` : ""}`;
    }
    const out: LoopEvent[] = [
      { event: "loop_error", loop: this.loop, error: clip(error), will_retry: false },
    ];
    out.push(...this.emitStop(kind));
    return out;
  }

  private onStop(kind: string): LoopEvent[] {
    if (this.stopped) return [];
    if (DEFERRED_STOPS.has(kind) && this.open.size > 0) {
      this.pendingStop ??= kind;
      return [];
    }
    return this.emitStop(this.pendingStop ?? kind);
  }

  private emitStop(reason: string): LoopEvent[] {
    if (this.stopped) return [];
    this.stopped = true;
    this.pendingStop = undefined;
    return [{ event: "loop_stop", loop: this.loop, reason, total_iterations: this.iterations }];
  }

  private onCooldown(rec: Rec, ms: number): LoopEvent[] {
    const issue = int(rec.issue);
    const fingerprint = str(rec.fingerprint);
    const key = `${issue ?? "?"}|${fingerprint ?? ""}`;
    const active = this.cooldowns.get(key);
    if (active !== undefined && ms < active) return [];
    const remaining = Number(rec.cooldown_remaining_s);
    const untilMs =
      rec.cooldown_remaining_s !== undefined && Number.isFinite(remaining) && remaining >= 0
        ? Math.round(ms + remaining * 1000)
        : undefined;
    this.cooldowns.delete(key);
    this.cooldowns.set(key, untilMs ?? ms);
    if (this.cooldowns.size > MAX_REMEMBERED) {
      const oldest = this.cooldowns.keys().next();
      if (!oldest.done) this.cooldowns.delete(oldest.value);
    }
    const who = issue === undefined ? "an issue" : `issue #${issue}`;
    return [
      {
        event: "loop_cooldown",
        loop: this.loop,
        profile: this.profile,
        until: untilMs === undefined ? null : formatFmailTime(new Date(untilMs)),
        reason: `${who} in cooldown${fingerprint ? ` (fingerprint ${fingerprint})` : ""}`,
      },
    ];
  }

  private onResume(): LoopEvent[] {
    this.paused = false;
    return [];
  }

  private onPause(): LoopEvent[] {
    if (this.paused) return [];
    this.paused = true;
    return [
      {
        event: "loop_cooldown",
        loop: this.loop,
        profile: this.profile,
        until: null,
        reason: "signal_pause",
      },
    ];
  }
}
