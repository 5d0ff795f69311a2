import type { StoredEvent } from "../store/record.ts";

/** One step of an issue's story: when, which event, and what it says in a few words. */
export interface StoryStep {
  sequence: number;
  at: string;
  kind: string;
  text: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** `https://…/pull/202` or `202` → `PR #202`; anything else as it is. */
export function prLabel(pr: unknown): string | undefined {
  if (typeof pr === "number") return `PR #${pr}`;
  const s = str(pr);
  if (s === undefined) return undefined;
  const m = /\/pull\/(\d+)\/?$/.exec(s);
  return m ? `PR #${m[1]}` : /^\d+$/.test(s) ? `PR #${s}` : s;
}

/** `{sev1: 2, sev2: 0}` → `sev1 2`; zero counts are left out. */
export function severities(p: Record<string, unknown>): string {
  const counts = p.sev_counts;
  if (counts === null || typeof counts !== "object") return "";
  return Object.entries(counts as Record<string, unknown>)
    .filter(([, n]) => typeof n === "number" && n > 0)
    .map(([sev, n]) => `${sev} ${n}`)
    .join(", ");
}

function verdict(p: Record<string, unknown>): string {
  const v = str(p.verdict);
  if (v) return v;
  const legacy = str(p.legacy_kind) ?? "";
  return legacy.startsWith("critic_verdict_") ? legacy.slice("critic_verdict_".length) : "done";
}

function withDetail(text: string, detail: string | undefined): string {
  return detail ? `${text} (${detail})` : text;
}

/** What one event says about its issue, in a few words. */
export function stepText(e: StoredEvent): string {
  const p = e.payload;
  const tick = typeof p.tick === "number" ? `tick ${p.tick}` : undefined;
  switch (e.kind) {
    case "task.planned":
      return withDetail("planned", tick);
    case "task.dispatched":
      return `dispatched ${str(p.session_id) ?? ""}`.trimEnd();
    case "task.heartbeat": {
      const what = (str(p.legacy_kind) ?? "watchdog").replace(/^watchdog_/, "").replace(/_/g, " ");
      return withDetail(
        `watchdog ${what}`,
        typeof p.idle_s === "number" ? `idle ${p.idle_s}s` : undefined,
      );
    }
    case "pr.opened":
      return prLabel(p.pr_url ?? p.pr) ?? "PR opened";
    case "pr.merged":
      return `merged ${prLabel(p.pr_url ?? p.pr) ?? ""}`.trimEnd();
    case "merge.blocked":
      return withDetail("merge blocked", str(p.reason));
    case "critique.issued":
      return withDetail(`critic ${verdict(p)}`, severities(p) || undefined);
    case "task.completed":
    case "task.failed":
    case "task.compensated":
      return withDetail(str(p.status) ?? e.kind.slice("task.".length), str(p.error) ?? str(p.err));
    case "worktree.reaped":
      return "worktree reaped";
    default:
      return withDetail(
        str(p.legacy_kind)?.replace(/_/g, " ") ?? e.kind,
        str(p.err) ?? str(p.hint),
      );
  }
}

/**
 * An issue's events as a story in time order (ties by sequence). The runner often reports one
 * fact twice (a transition, then the tick's outcome); the repeat is dropped.
 */
export function issueStory(events: Iterable<StoredEvent>): StoryStep[] {
  return orderStory([...events].map(storyStep));
}

export function storyStep(e: StoredEvent): StoryStep {
  return { sequence: e.sequence, at: e.occurred_at, kind: e.kind, text: stepText(e) };
}

/** Steps in time order (ties by sequence), a step saying what an earlier one said dropped. */
export function orderStory(steps: readonly StoryStep[]): StoryStep[] {
  const sorted = [...steps].sort((a, b) =>
    a.at === b.at ? a.sequence - b.sequence : a.at < b.at ? -1 : 1,
  );
  const said = new Set<string>();
  const out: StoryStep[] = [];
  for (const s of sorted) {
    if (said.has(s.text)) continue;
    said.add(s.text);
    out.push(s);
  }
  return out;
}

/** `12:00:23` from an occurred_at (UTC); text that is no such time is shown as it is. */
export function clockTime(at: string): string {
  return /[T ](\d{2}:\d{2}:\d{2})/.exec(at)?.[1] ?? at;
}

/** The story on one line: `12:00:23 planned (tick 0) → 12:02:30 dispatched s-169-1 → …`. */
export function renderStory(steps: readonly StoryStep[]): string {
  return steps.map((s) => `${clockTime(s.at)} ${s.text}`).join(" → ");
}
