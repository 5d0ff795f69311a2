import type { Migration } from "../migration.ts";

/**
 * The task-timeline projection's tables, as the event log's migrations create them; the
 * timeline cache (timeline-cache.ts) creates the same in a file of its own.
 */
export const TIMELINE_TASKS_TABLE = `
      CREATE TABLE IF NOT EXISTS timeline_tasks (
        issue INTEGER PRIMARY KEY,
        state_json TEXT NOT NULL
      );`;
export const TIMELINE_LOOP_TABLE = `
      CREATE TABLE IF NOT EXISTS timeline_loop (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state_json TEXT NOT NULL
      );`;
export const TIMELINE_HALTS_TABLE = `
      CREATE TABLE IF NOT EXISTS timeline_halts (
        sequence INTEGER PRIMARY KEY,
        reason TEXT NOT NULL,
        tick INTEGER,
        at TEXT NOT NULL
      );`;

/** The task-timeline projection's stored state (its cursor is `timeline`). */
export const migration3: Migration = {
  version: 3,
  name: "task timeline projection state",
  sql: `${TIMELINE_TASKS_TABLE}${TIMELINE_LOOP_TABLE}`,
};

/**
 * The loop's halts in rows of their own: the loop's state was one JSON text with every halt in
 * it, rewritten on each stored page. The projection is emptied and its cursor removed, so the
 * next catch-up folds it again from sequence 0 in this layout.
 */
export const migration8: Migration = {
  version: 8,
  name: "timeline halts in rows of their own",
  sql: `${TIMELINE_HALTS_TABLE}
      DELETE FROM timeline_tasks;
      DELETE FROM timeline_loop;
      DELETE FROM projection_cursors WHERE projection_name = 'timeline';
    `,
};

export const TIMELINE_LOOP_GET = "SELECT state_json FROM timeline_loop WHERE id = 1";
export const TIMELINE_LOOP_PUT = `INSERT INTO timeline_loop (id, state_json) VALUES (1, ?)
  ON CONFLICT(id) DO UPDATE SET state_json = excluded.state_json`;
export const TIMELINE_CLEAR =
  "DELETE FROM timeline_tasks; DELETE FROM timeline_loop; DELETE FROM timeline_halts;";
export const TIMELINE_TASK_PUT = `INSERT INTO timeline_tasks (issue, state_json) VALUES (?, ?)
  ON CONFLICT(issue) DO UPDATE SET state_json = excluded.state_json`;
export const TIMELINE_TASKS_BY_ISSUE = "SELECT state_json FROM timeline_tasks WHERE issue = ?";
/** One page of the stored tasks in issue order, after the issue given. */
export const TIMELINE_TASKS_PAGE =
  "SELECT issue, state_json FROM timeline_tasks WHERE issue > ? ORDER BY issue LIMIT ?";
export const TIMELINE_HALT_PUT =
  "INSERT OR REPLACE INTO timeline_halts (sequence, reason, tick, at) VALUES (?, ?, ?, ?)";
/** One page of the stored halts in sequence order, after the sequence given. */
export const TIMELINE_HALTS_PAGE =
  "SELECT sequence, reason, tick, at FROM timeline_halts WHERE sequence > ? ORDER BY sequence LIMIT ?";
