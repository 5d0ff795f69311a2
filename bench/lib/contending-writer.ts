/**
 * Another process appending to the same database until killed, for the plugin's event-loop
 * stall benchmark: `bun contending-writer.ts <db> <name> [holdMs] [gapMs]`. Prints "ready" once
 * open, then, over and over, appends 20 events in one transaction and holds its write lock
 * until `holdMs` (default 5) have passed since the transaction began (sleeping, not spinning),
 * then waits `gapMs` (default 20): real lock contention, the lock taken about a fifth of the
 * time by each writer, without using every CPU of a small host.
 */
import { EventStore } from "../../src/store/event-store.ts";

const [db, name, hold = "5", gap = "20"] = process.argv.slice(2);
const holdMs = Number(hold);
const gapMs = Number(gap);
if (!db || !name) {
  console.error("usage: contending-writer.ts <db> <name> [holdMs] [gapMs]");
  process.exit(2);
}
const store = await EventStore.open(db);
process.stdout.write("ready\n");
let i = 0;
for (;;) {
  try {
    store.transaction(() => {
      const began = performance.now();
      for (let k = 0; k < 20; k++, i++) {
        store.append("task.heartbeat", { writer: name, i }, { idempotencyKey: `${name}-${i}` });
      }
      const left = holdMs - (performance.now() - began);
      if (left > 0) Bun.sleepSync(left);
    });
  } catch {
    // Locked past the busy timeout by the others: try again.
  }
  await new Promise((r) => setTimeout(r, gapMs));
}
