import { expect, test } from "bun:test";
import { join } from "node:path";
import { followFile } from "../../src/follow/follower.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { realisticLines, writeLines } from "./legacy-lines.ts";

const pragma = (store: EventStore, name: string) =>
  Object.values(store.statement(`PRAGMA ${name}`).get() ?? {})[0];

test("a backfill's connection gets the bulk page cache and checkpoint interval", async () => {
  const dir = tempDir();
  const file = join(dir, "events.jsonl");
  writeLines(file, realisticLines(40));
  const store = await EventStore.open(join(dir, "events.db"));
  try {
    expect(pragma(store, "cache_size")).toBe(-2000);
    expect(pragma(store, "wal_autocheckpoint")).toBe(1000);
    const summary = await followFile({ store, file, threads: false });
    expect(summary.linesRead).toBe(40);
    expect(pragma(store, "cache_size")).toBe(-8192);
    expect(pragma(store, "wal_autocheckpoint")).toBe(10000);
  } finally {
    store.close();
  }
});
