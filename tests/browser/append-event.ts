// `bun tests/browser/append-event.ts <db> <issue>`: appends one task.dispatched, from its own
// process, as a runner would while a live page is open.
import { EventStore } from "../../src/store/event-store.ts";

const [db, issue] = process.argv.slice(2);
const store = await EventStore.open(db!);
const { event } = store.append(
  "task.dispatched",
  { issue: Number(issue), session_id: `s-${issue}-9`, legacy_kind: "worker_start" },
  { taskId: `issue:${issue}` },
);
store.close();
console.log(event.sequence);
