import { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { TIMELINE_CURSOR } from "../../src/replay/projection-home.ts";
import { sortedTasks } from "../../src/replay/render-timeline.ts";
import {
  catchUpTimelines,
  loadTimelines,
  replayTimelines,
} from "../../src/replay/timeline-projection.ts";
import { EventStore } from "../../src/store/event-store.ts";

/**
 * The head of a database another process is writing when its timeline cursor has reached it
 * and it holds at least `minHead` events; false otherwise (or while the file is not there).
 */
export function projectionAtHead(db: string, minHead = 1): number | false {
  let d: Database;
  try {
    d = new Database(db, { readonly: true });
  } catch {
    return false;
  }
  try {
    const head =
      d.query<{ s: number | null }, []>("SELECT MAX(sequence) AS s FROM events").get()?.s ?? 0;
    const cursor =
      d
        .query<{ s: number }, [string]>(
          "SELECT sequence AS s FROM projection_cursors WHERE projection_name = ?",
        )
        .get(TIMELINE_CURSOR)?.s ?? 0;
    return head >= minHead && cursor === head ? head : false;
  } catch {
    return false; // no events table yet
  } finally {
    d.close();
  }
}

/** The stored projection is what a fold from sequence 0 gives, and a catch-up has nothing left. */
export async function expectStoredProjectionCurrent(db: string): Promise<void> {
  const store = await EventStore.open(db);
  try {
    const scratch = replayTimelines(store);
    const stored = loadTimelines(store);
    expect(sortedTasks(stored)).toEqual(sortedTasks(scratch));
    expect(stored.loop).toEqual(scratch.loop);
    expect(catchUpTimelines(store).applied).toBe(0);
  } finally {
    store.close();
  }
}
