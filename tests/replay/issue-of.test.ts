import { expect, test } from "bun:test";
import { issueOf } from "../../src/replay/timeline-state.ts";

/** The rule as written before task ids were read in place: Number() of what follows. */
function byNumber(taskId: string | null, payload: Record<string, unknown>): number | null {
  if (taskId?.startsWith("issue:")) {
    const n = Number(taskId.slice("issue:".length));
    if (Number.isInteger(n)) return n;
  }
  return typeof payload.issue === "number" && Number.isInteger(payload.issue)
    ? payload.issue
    : null;
}

test("an event's issue is read from its task_id as Number() reads it, else from its payload", () => {
  const ids = [
    "issue:167",
    "issue:007",
    "issue:0",
    "issue:",
    "issue: 5",
    "issue:1e3",
    "issue:0x1f",
    "issue:12x",
    "issue:-4",
    "issue:2.5",
    "issue:123456789012345",
    "issue:1234567890123456789",
    "issue:99999999999999999999999",
    "task:5",
    null,
  ];
  for (const task_id of ids) {
    const e = {
      sequence: 1,
      kind: "task.heartbeat" as const,
      saga_id: null,
      occurred_at: "",
      task_id,
    };
    for (const payload of [{}, { issue: 42 }]) {
      expect([task_id, issueOf({ ...e, payload })]).toEqual([task_id, byNumber(task_id, payload)]);
    }
  }
});
