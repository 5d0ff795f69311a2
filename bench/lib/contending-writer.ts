/**
 * Another process appending to the same database until killed, for the plugin's event-loop
 * stall benchmark: `bun contending-writer.ts <db> <name> [pauseMs]`. Prints "ready" once open,
 * then commits 20 events per transaction with `pauseMs` (default 2) between transactions: four
 * of them keep the write lock taken most of the time without using every CPU of a small host.
 */
import { EventStore } from "../../src/store/event-store.ts";

const [db, name, pause = "2"] = process.argv.slice(2);
const pauseMs = Number(pause);
if (!db || !name) {
  console.error("usage: contending-writer.ts <db> <name>");
  process.exit(2);
}
const store = await EventStore.open(db);
process.stdout.write("ready\n");
let i = 0;
for (;;) {
  try {
    store.transaction(() => {
      for (let k = 0; k < 20; k++, i++) {
        store.append("task.heartbeat", { writer: name, i }, { idempotencyKey: `${name}-${i}` });
      }
    });
  } catch {
    // Locked past the busy timeout by the others: try again.
  }
  await new Promise((r) => setTimeout(r, pauseMs));
}
