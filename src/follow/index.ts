export { orderedEventIds } from "./event-ids.ts";
export {
  DEFAULT_BATCH_LINES,
  DEFAULT_POLL_MS,
  Follower,
  type FollowOptions,
  type FollowProgress,
  followFile,
} from "./follower.ts";
export { type Line, LineReader } from "./line-reader.ts";
export { type PlanKind, planFrom, ROTATED_SUFFIXES } from "./plan.ts";
export type { FollowSummary, StopReason } from "./summary.ts";
