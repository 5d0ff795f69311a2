import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { sortedTasks } from "../../src/replay/render-timeline.ts";
import {
  catchUpTimelines,
  loadTimelines,
  replayTimelines,
} from "../../src/replay/timeline-projection.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { tempDir, waitFor } from "../helpers.ts";
import {
  joinLines,
  realisticLines,
  startFollower,
  stopFollower,
  writeLines,
} from "./legacy-lines.ts";

/** The timeline cursor and the head of a database another process is writing. */
function projectionLag(db: string): { cursor: number; head: number } {
  const d = new Database(db, { readonly: true });
  try {
    const head = d.query<{ s: number | null }, []>("SELECT MAX(sequence) AS s FROM events").get();
    const cursor = d
      .query<{ s: number }, []>(
        "SELECT sequence AS s FROM projection_cursors WHERE projection_name = 'timeline'",
      )
      .get();
    return { cursor: cursor?.s ?? 0, head: head?.s ?? 0 };
  } finally {
    d.close();
  }
}

test("an idle follower brings the timeline projection up to the head, with no timeline call", async () => {
  const dir = tempDir("fel-idle-");
  const file = join(dir, "events.jsonl");
  const db = join(dir, "events.db");
  const all = realisticLines(200);
  writeLines(file, all.slice(0, 120));
  const follower = startFollower(file, db);
  const caughtUp = (minHead: number) => {
    try {
      const lag = projectionLag(db);
      return lag.head >= minHead && lag.cursor === lag.head ? lag.head : false;
    } catch {
      return false; // the follower has not created the database yet
    }
  };
  const first = await waitFor("the projection at the head", () => caughtUp(1));
  appendFileSync(file, joinLines(all.slice(120)));
  const second = await waitFor("the projection at the new head", () => caughtUp(first + 1));
  const { exitCode, stderr } = await stopFollower(follower);
  expect(exitCode).toBe(0);
  expect(stderr).not.toContain("could not bring the timeline projection");

  const store = await EventStore.open(db);
  expect(store.latestSequence()).toBe(second);
  // What the follower stored is what a fold from sequence 0 gives, and timeline has nothing left.
  const scratch = replayTimelines(store);
  const stored = loadTimelines(store);
  expect(sortedTasks(stored)).toEqual(sortedTasks(scratch));
  expect(stored.loop).toEqual(scratch.loop);
  expect(catchUpTimelines(store).applied).toBe(0);
  store.close();
}, 60_000);
