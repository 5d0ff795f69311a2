import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Mirror } from "../../src/mirror/mirror.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";
import { GOLDEN_JSONL } from "../plugin/session.ts";

/** A fresh database of ours with the golden session mirrored into it; its path. */
export async function goldenLog(name = "e.db"): Promise<string> {
  const db = join(tempDir(), name);
  const store = await EventStore.open(db);
  const m = new Mirror(store);
  for (const line of readFileSync(GOLDEN_JSONL, "utf8").split("\n").filter(Boolean)) {
    m.mirrorRecord(JSON.parse(line));
  }
  store.close();
  return db;
}
