import { Database } from "bun:sqlite";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir } from "../helpers.ts";

/**
 * A new log holding what `fill` appends, then edited by `edits` (SQL run straight on the file,
 * as another writer or damage would), opened again read-only.
 */
export async function editedLog(
  fill: (store: EventStore) => void,
  edits: readonly string[],
): Promise<{ file: string; store: EventStore }> {
  const file = join(tempDir(), "events.db");
  const store = await EventStore.open(file);
  fill(store);
  store.close();
  const db = new Database(file);
  for (const sql of edits) db.run(sql);
  db.close();
  return { file, store: await EventStore.open(file, { readonly: true }) };
}

/**
 * Edits that damage event 3 so that no reader may pass it: a blob, text or a fraction where
 * they do not belong, a cut payload, a payload with a NUL inside.
 */
export const DAMAGE_EVENT_3 = [
  "UPDATE events SET event_hash = x'00ff' WHERE sequence = 3",
  "UPDATE events SET schema_version = 'one' WHERE sequence = 3",
  "UPDATE events SET idempotency_key = x'01' WHERE sequence = 3",
  "UPDATE events SET causal_sequence = 2.5 WHERE sequence = 3",
  "UPDATE events SET payload_json = '{\"issue\":' WHERE sequence = 3",
  // JSON up to a NUL, then more: SQLite's json_valid reads only up to the NUL.
  "UPDATE events SET payload_json = '{\"issue\":3}' || char(0) || ', \"x\":1}' WHERE sequence = 3",
] as const;
