import { expect, test } from "bun:test";
import type { EventStore } from "../../src/store/event-store.ts";
import type { FoldEvent } from "../../src/store/read.ts";
import { DAMAGE_EVENT_3, editedLog } from "./edited-log.ts";

const foldFields = ({ sequence, kind, task_id, saga_id, occurred_at, payload }: FoldEvent) => ({
  sequence,
  kind,
  task_id,
  saga_id,
  occurred_at,
  payload,
});

/** What since() and sinceFold() each give: the fold's fields of every event, or the error. */
function bothReads(file: string, store: EventStore) {
  const read = (events: () => Iterable<FoldEvent>) => {
    try {
      return { events: [...events()].map(foldFields) };
    } catch (e) {
      return { error: String(e) };
    }
  };
  return {
    since: read(() => store.since(0)),
    fold: read(() => store.sinceFold(0, { pageSize: 2 })),
    file,
  };
}

function log(edits: string[]) {
  return editedLog((store) => {
    for (let i = 1; i <= 5; i++) {
      store.append("task.heartbeat", { issue: i }, { taskId: `issue:${i}`, sagaId: "tick:1" });
    }
  }, edits);
}

test("the fold's reader reads what since() reads, also rows another writer typed oddly", async () => {
  // Text where an integer belongs that still reads as one: since() accepts it, so must the fold.
  const { file, store } = await log([
    "UPDATE events SET schema_version = '1' WHERE sequence = 2",
    "UPDATE events SET causal_sequence = 3 WHERE sequence = 4",
  ]);
  const r = bothReads(file, store);
  store.close();
  expect(r.since).toHaveProperty("events");
  expect(r.fold).toEqual(r.since);
});

/** Each edit damages event 3: since() fails on it, and the fold fails the same way. */
async function expectFoldFailsAsSince(edits: readonly string[]) {
  for (const edit of edits) {
    const { file, store } = await log([edit]);
    const r = bothReads(file, store);
    store.close();
    expect(r.since).toHaveProperty("error");
    expect(r.since.error).toContain("event 3 in");
    expect([edit, r.fold]).toEqual([edit, r.since]);
  }
}

test("a row damaged in a column the fold does not use fails the fold as it fails since()", async () => {
  await expectFoldFailsAsSince(DAMAGE_EVENT_3);
});

test("a row damaged in a column the fold reads fails the fold as it fails since()", async () => {
  await expectFoldFailsAsSince([
    "UPDATE events SET kind = x'00' WHERE sequence = 3",
    "UPDATE events SET occurred_at = x'31' WHERE sequence = 3",
    "UPDATE events SET task_id = x'01' WHERE sequence = 3",
    "UPDATE events SET saga_id = x'02' WHERE sequence = 3",
  ]);
});

test("with payloads named, only those payloads are read; an unread one is still checked", async () => {
  const payloads = {
    kinds: ["task.completed"],
    taskPrefix: "issue:",
    taskIdServes: (id: string) => /^issue:\d+$/.test(id),
  };
  const { store } = await log([
    "UPDATE events SET kind = 'task.completed' WHERE sequence = 2",
    "UPDATE events SET task_id = 'issue:3x' WHERE sequence = 3",
    "UPDATE events SET task_id = NULL WHERE sequence = 4",
    "UPDATE events SET task_id = 'task:5' WHERE sequence = 5",
  ]);
  const since = [...store.since(0)].map(foldFields);
  const fold = [...store.sinceFold(0, { pageSize: 2, payloads })].map(foldFields);
  store.close();
  // Sequence 2's kind is named, 3's to 5's issues do not come from their task_id: read.
  expect(fold).toEqual(since.map((e) => (e.sequence === 1 ? { ...e, payload: {} } : e)));
  for (const payload of [
    `'{"issue":'`,
    // SQLite's json_valid reads only up to a NUL.
    `'{"issue":5}' || char(0) || ', "x":1}'`,
  ]) {
    const damaged = await log([`UPDATE events SET payload_json = ${payload} WHERE sequence = 5`]);
    const r = bothReads(damaged.file, damaged.store);
    const fails = (() => {
      try {
        [...damaged.store.sinceFold(0, { payloads })];
        return "no error";
      } catch (e) {
        return String(e);
      }
    })();
    damaged.store.close();
    expect(r.since).toHaveProperty("error");
    expect([payload, fails]).toEqual([payload, (r.since as { error: string }).error]);
  }
});
