import { afterAll, expect, test } from "bun:test";
import { pgSourceTimelines } from "../../src/replay/pg-timelines.ts";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { pgReadLog } from "../../src/store/pg/read-log.ts";
import { waitFor } from "../helpers.ts";
import { adminQuery, dropSchemas, freshSchema } from "./pg-server.ts";

afterAll(dropSchemas);

test("waitForCommit wakes on another session's commit (LISTEN/NOTIFY), also after its backend is terminated", async () => {
  const { url, schema } = await freshSchema("listen");
  const other = await freshSchema("listen_other");
  const writer = await PgEventStore.open(url);
  const elsewhere = await PgEventStore.open(other.url);
  const log = pgReadLog(await PgEventStore.open(url, { readonly: true }), pgSourceTimelines);
  const stop = new AbortController();
  try {
    // The first call returns at once: the caller reads what is there before waiting.
    expect(await log.waitForCommit(stop.signal)).toBe(true);
    let woke = false;
    const waiting = log.waitForCommit(stop.signal).then((r) => {
      woke = r;
    });
    // Another schema's commit is filtered by the payload; this schema's wakes it.
    await elsewhere.append("tick.started", { tick: 1 });
    await writer.append("tick.started", { tick: 1 });
    await waiting;
    expect(woke).toBe(true);
    expect(await log.latestSequence()).toBe(1);

    const killed = await waitFor("the listener's backend to be terminated", async () => {
      const rows = await adminQuery(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [`forge-eventlog:listen:${schema}`],
      );
      return rows.length > 0 ? rows.length : undefined;
    });
    expect(killed).toBe(1);
    await writer.append("tick.completed", { tick: 1 });
    // Woken (after a reconnect, or by the notification itself): the new event is readable.
    expect(await log.waitForCommit(stop.signal)).toBe(true);
    expect(await log.latestSequence()).toBe(2);
    stop.abort();
    expect(await log.waitForCommit(stop.signal)).toBe(false);
  } finally {
    stop.abort();
    await log.close();
    await writer.close();
    await elsewhere.close();
  }
});

test("several followers of one log (one signal each) are each woken by one commit", async () => {
  const { url } = await freshSchema("fanout");
  const writer = await PgEventStore.open(url);
  const log = pgReadLog(await PgEventStore.open(url, { readonly: true }), pgSourceTimelines);
  const followers = [new AbortController(), new AbortController()];
  try {
    // Each follower's first call returns at once, whatever the others did.
    for (const f of followers) expect(await log.waitForCommit(f.signal)).toBe(true);
    const woken = followers.map(() => false);
    const waiting = followers.map((f, i) =>
      log.waitForCommit(f.signal).then((r) => {
        woken[i] = r;
      }),
    );
    await writer.append("tick.started", { tick: 1 });
    await Promise.all(waiting);
    expect(woken).toEqual([true, true]);
    // One follower stopping does not wake or stop the other.
    followers[0]!.abort();
    expect(await log.waitForCommit(followers[0]!.signal)).toBe(false);
    const second = log.waitForCommit(followers[1]!.signal);
    await writer.append("tick.completed", { tick: 1 });
    expect(await second).toBe(true);
  } finally {
    for (const f of followers) f.abort();
    await log.close();
    await writer.close();
  }
});
