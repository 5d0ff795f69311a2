import { describe, expect, test } from "bun:test";
import { EventStore } from "../../src/store/event-store.ts";
import { issueStory, renderStory } from "../../src/views/issue-story.ts";
import { foldLog } from "../../src/views/loop-fold.ts";
import { percentile, renderSummary, summarizeLoop } from "../../src/views/loop-summary.ts";
import { tempDir } from "../helpers.ts";
import { demoDb } from "./demo-db.ts";

async function demoFold() {
  const store = await EventStore.open(await demoDb(tempDir()), { readonly: true });
  try {
    return { fold: foldLog(store.since(0)), events: [...store.since(0)] };
  } finally {
    store.close();
  }
}

describe("issue story", () => {
  test("the demo's issue 169 in time order, repeats dropped", async () => {
    const { events } = await demoFold();
    const story = issueStory(events.filter((e) => e.task_id === "issue:169"));
    const line = renderStory(story);
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d planned \(tick 0\) → \d\d:\d\d:\d\d planned \(tick 1\) → \d\d:\d\d:\d\d dispatched s-169-1 → \d\d:\d\d:\d\d PR #202 → \d\d:\d\d:\d\d critic block \(sev1 1, sev2 1\) → /,
    );
    expect(line).toContain("open → ");
    expect(line.endsWith("compensated")).toBe(true);
    const times = story.map((s) => s.at);
    expect([...times].sort()).toEqual(times);
    expect(new Set(story.map((s) => s.text)).size).toBe(story.length);
    expect(line.match(/PR #202/g)?.length).toBe(1);
  });

  test("the fold keeps the same story, and none past its issue limit", async () => {
    const { fold, events } = await demoFold();
    expect(fold.story(168)).toEqual(issueStory(events.filter((e) => e.task_id === "issue:168")));
    const small = foldLog(events, { storyIssues: 3 });
    expect(small.story(167)).toBeUndefined();
    expect(small.stories).toBeNull();
  });
});

describe("loop summary", () => {
  test("the demo's totals", async () => {
    const { fold } = await demoFold();
    const s = summarizeLoop(fold, 2);
    expect(s).toMatchObject({
      events: 75,
      ticks: 4,
      idle_ticks: 1,
      issues: 7,
      merged: 1,
      quarantined: 2,
      halts: 6,
      by_status: {
        merged: 1,
        timeout: 1,
        compensated: 2,
        stale: 1,
        no_pr: 1,
        budget_exceeded: 1,
      },
      failed_by_reason: { timeout: 1, stale: 1, no_pr: 1, budget_exceeded: 1 },
    });
    expect(s.merge_rate).toBeCloseTo(1 / 7);
    expect(s.cost_usd).toBe(20.04);
    expect(s.input_tokens).toBeGreaterThan(184_000);
    expect(s.time_to_merge_s.median).toBeCloseTo(69.364, 2);
    expect(s.critic_verdicts.approve).toBe(1);
    expect(renderSummary(s)[0]).toBe("4 ticks (1 idle), 7 issues, 75 events");
  });

  test("percentiles by nearest rank", () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 90)).toBe(9);
    expect(percentile([], 50)).toBeNull();
  });
});
