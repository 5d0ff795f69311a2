import type { Migration } from "../migration.ts";

/** The task-timeline projection's stored state (its cursor is `timeline`). */
export const migration3: Migration = {
  version: 3,
  name: "task timeline projection state",
  sql: `
      CREATE TABLE IF NOT EXISTS timeline_tasks (
        issue INTEGER PRIMARY KEY,
        state_json TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS timeline_loop (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state_json TEXT NOT NULL
      );
    `,
};

export const TIMELINE_LOOP_GET = "SELECT state_json FROM timeline_loop WHERE id = 1";
export const TIMELINE_LOOP_PUT = `INSERT INTO timeline_loop (id, state_json) VALUES (1, ?)
  ON CONFLICT(id) DO UPDATE SET state_json = excluded.state_json`;
export const TIMELINE_TASKS_ALL = "SELECT state_json FROM timeline_tasks ORDER BY issue";
export const TIMELINE_CLEAR = "DELETE FROM timeline_tasks; DELETE FROM timeline_loop;";
export const TIMELINE_TASK_PUT = `INSERT INTO timeline_tasks (issue, state_json) VALUES (?, ?)
  ON CONFLICT(issue) DO UPDATE SET state_json = excluded.state_json`;
