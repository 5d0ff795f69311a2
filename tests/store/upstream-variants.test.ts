import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import type { VerifyReport } from "../../src/store/verify.ts";
import { tempDir } from "../helpers.ts";
import {
  CONTRACT_SELECT,
  createUpstream,
  GENESIS,
  linkedHash,
  type UpstreamEvent,
  upstreamAppend,
  upstreamCompact,
  type Variant,
} from "./upstream-writer.ts";

/** A tick of the runner as upstream's mirror writes it; non-ASCII in the worktree path. */
function tick(n: number): UpstreamEvent[] {
  const worktree = `/home/jos\u00e9/wt-${n}`;
  return [
    { kind: "tick.started", payload: { tick: n }, sagaId: `tick:${n}`, key: `tick.started:${n}` },
    {
      kind: "task.dispatched",
      payload: { issue: n, worktree },
      taskId: `issue:${n}`,
      sagaId: `tick:${n}`,
      key: `legacy-runner:task.dispatched:worker_started:tick=${n}:issue=${n}:worker=${worktree}:pr=`,
    },
    { kind: "task.heartbeat", payload: { idle_s: 3 }, taskId: `issue:${n}`, key: `hb:${n}` },
    { kind: "worker.observation", payload: { note: "caf\u00e9" }, key: `obs:${n}` },
    { kind: "tick.completed", payload: { tick: n }, sagaId: `tick:${n}`, key: `tick.done:${n}` },
  ];
}

function upstreamFile(variant: Variant, ticks = 3): string {
  const db = join(tempDir(), `${variant}.db`);
  createUpstream(db, variant);
  for (let n = 1; n <= ticks; n++) upstreamAppend(db, variant, tick(n));
  return db;
}

async function verifyFile(db: string): Promise<VerifyReport> {
  const store = await EventStore.open(db, { readonly: true });
  try {
    return store.verify();
  } finally {
    store.close();
  }
}

function raw(db: string, ...statements: string[]): void {
  const d = new Database(db);
  for (const s of statements) d.run(s);
  d.close();
}

test("oldest variant (no chain): verify reports every row unchained, not tampered; replay reads it", async () => {
  const db = upstreamFile("oldest");
  const report = await verifyFile(db);
  expect(report).toMatchObject({
    ok: true,
    eventsChecked: 15,
    chains: [],
    chainedChecked: 0,
    unchained: 15,
    firstBadSequence: null,
  });
  const store = await EventStore.open(db, { readonly: true });
  const events = [...store.since(0)];
  store.close();
  expect(events).toHaveLength(15);
  expect(events[1]?.payload).toEqual({ issue: 1, worktree: "/home/jos\u00e9/wt-1" });
  expect(events[1]?.prev_hash).toBeNull();
  // A deleted row is still a gap no marker explains.
  raw(db, "DELETE FROM events WHERE sequence = 4");
  expect(await verifyFile(db)).toMatchObject({ ok: false, firstBadSequence: 5 });
});

test("#338 variant with non-ASCII fields: every row recomputes by the UTF-8 rule", async () => {
  const db = upstreamFile("338");
  const report = await verifyFile(db);
  expect(report).toMatchObject({
    ok: true,
    chains: ["prev_hash/event_hash"],
    chainedChecked: 15,
    unchained: 0,
    rules: { utf8: 15, ascii: 0, sorted: 0 },
  });
  raw(db, "UPDATE events SET task_id = 'issue:99' WHERE sequence = 7");
  expect(await verifyFile(db)).toMatchObject({ ok: false, firstBadSequence: 7 });
});

test("#339 variant (chain_hash): checked by its own rule; an edit, a deletion and a swap are named", async () => {
  const db = upstreamFile("339");
  expect(await verifyFile(db)).toMatchObject({
    ok: true,
    chains: ["chain_hash"],
    chainedChecked: 15,
    rules: { utf8: 0, ascii: 0, sorted: 15 },
  });
  const store = await EventStore.open(db, { readonly: true });
  expect([...store.since(10)].map((e) => e.sequence)).toEqual([11, 12, 13, 14, 15]);
  store.close();

  const edited = upstreamFile("339");
  raw(edited, `UPDATE events SET payload_json = '{"tick":9}' WHERE sequence = 6`);
  const e = await verifyFile(edited);
  expect(e).toMatchObject({ ok: false, firstBadSequence: 6 });
  expect(e.problem).toContain("chain_hash");

  const deleted = upstreamFile("339");
  raw(deleted, "DELETE FROM events WHERE sequence = 8");
  expect(await verifyFile(deleted)).toMatchObject({ ok: false, firstBadSequence: 9 });
});

test("#339 writer after unchained rows: a NULL head counts as genesis, the earlier rows are unchained", async () => {
  const db = upstreamFile("oldest", 1);
  upstreamAppend(db, "339", tick(2));
  const report = await verifyFile(db);
  expect(report).toMatchObject({ ok: true, chainedChecked: 5, unchained: 5 });
});

for (const variant of ["338", "339"] as const) {
  test(`upstream's own compaction (${variant}) re-chains: verify accepts the gaps the marker explains`, async () => {
    const db = upstreamFile(variant, 4);
    raw(db, "INSERT INTO projection_cursors VALUES ('timeline', 12), ('mirror', 20)");
    expect(upstreamCompact(db, variant)).toBe(4);
    const report = await verifyFile(db);
    expect(report).toMatchObject({ ok: true, firstBadSequence: null, compacted: 4 });
    // The contract reader still reads it.
    const d = new Database(db, { readonly: true });
    const rows = d.query(CONTRACT_SELECT).all() as { kind: string }[];
    d.close();
    expect(rows).toHaveLength(17);
    expect(rows.at(-1)?.kind).toBe("compaction.performed");
    // A later deletion without re-chaining is still tampering.
    raw(db, "DELETE FROM events WHERE sequence = 15");
    expect(await verifyFile(db)).toMatchObject({ ok: false, firstBadSequence: 16 });
  });
}

test("rows chained by the earlier ASCII-escaped rule still verify, beside new UTF-8 ones", async () => {
  const db = join(tempDir(), "old.db");
  const store = await EventStore.open(db);
  for (let i = 0; i < 4; i++) store.append("task.heartbeat", { i }, { taskId: `issue:\u00e9${i}` });
  store.close();
  // Re-chain the file as forge-eventlog wrote it before: the hash input ASCII-escaped.
  const d = new Database(db);
  let prev = GENESIS;
  for (const r of d.query("SELECT * FROM events ORDER BY sequence").all() as never[]) {
    const h = linkedHash(prev, r, true);
    d.query("UPDATE events SET prev_hash = ?, event_hash = ? WHERE sequence = ?").run(
      prev,
      h,
      (r as { sequence: number }).sequence,
    );
    prev = h;
  }
  d.close();
  const again = await EventStore.open(db);
  const next = again.append("task.heartbeat", { i: 4 }, { taskId: "issue:\u00e94" }).event;
  expect(next.prev_hash).toBe(prev);
  expect(again.verify()).toMatchObject({ ok: true, rules: { utf8: 1, ascii: 4, sorted: 0 } });
  again.close();
});
