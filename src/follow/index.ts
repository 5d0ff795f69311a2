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
export { type FollowPosition, listPositions, loadPosition } from "./position.ts";
export { type ReadingOrderKind, ROTATED_SUFFIXES, readingOrderFrom } from "./reading-order.ts";
export {
  type FollowSummary,
  linesPerSecond,
  type StopReason,
  summaryLines,
  summaryRecord,
} from "./summary.ts";
