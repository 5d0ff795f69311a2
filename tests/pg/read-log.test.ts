import { afterAll, expect, test } from "bun:test";
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
  const log = pgReadLog(await PgEventStore.open(url, { readonly: true }));
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
