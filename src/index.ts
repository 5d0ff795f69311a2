/**
 * forge-eventlog's public surface: the runner plugin and its typed milestones, the durable
 * event store (SQLite, and PostgreSQL for a fleet), shipping, the JSONL follower, timeline
 * replay, and the one error class. Everything else
 * is internal and may change.
 */

import "./runtime/require-supported.ts";

export {
  type Config,
  type ConfigInput,
  configSchema,
  loadConfig,
  type ResolvedConfig,
  resolveConfig,
} from "./config.ts";
export { ERROR_CODES, type ErrorCode, EventLogError, isEventLogError } from "./errors.ts";
export { type FollowOptions, type FollowProgress, followFile } from "./follow/follower.ts";
export type { FollowSummary } from "./follow/summary.ts";
export type { KnownLegacyKind, LegacyRecordOf } from "./legacy/schemas.ts";
export type {
  AnyMilestone,
  CriticMilestone,
  HaltMilestone,
  HookName,
  KnownMilestone,
  Milestone,
  PrMilestone,
  RunnerHooks,
  StartMilestone,
  TickMilestone,
  WorkerMilestone,
  WorktreeMilestone,
} from "./milestones.ts";
export {
  createRunnerPlugin,
  EventLogPlugin,
  type PluginOptions,
  type PluginStats,
} from "./plugin.ts";
export { type LoadedPlugins, loadRunnerPlugins } from "./plugin-loader.ts";
export { TIMELINE_CURSOR } from "./replay/projection-home.ts";
export { renderTimelines, sortedTasks } from "./replay/render-timeline.ts";
export { catchUpTimelines, loadTimelines, replayTimelines } from "./replay/timeline-projection.ts";
export type { LoopTimeline, TaskTimeline, Timelines } from "./replay/timeline-state.ts";
export {
  type ShipOptions,
  type ShipProgress,
  ship,
  shipCursorName,
} from "./ship/shipper.ts";
export type { CursorRow } from "./store/cursors.ts";
export type { DriverName } from "./store/driver.ts";
export { EventStore } from "./store/event-store.ts";
export { EVENT_KINDS, type EventKind } from "./store/kinds.ts";
export type { OpenOptions, Synchronous } from "./store/open.ts";
export { PgEventStore, type PgOpenOptions } from "./store/pg/pg-store.ts";
export type { LineOrigin, QuarantinedLine } from "./store/quarantine.ts";
export type { SinceFilter } from "./store/read.ts";
export type {
  AppendInput,
  AppendOptions,
  AppendOutcome,
  AppendResult,
  StoredEvent,
} from "./store/record.ts";
export type { VerifyReport } from "./store/verify.ts";
