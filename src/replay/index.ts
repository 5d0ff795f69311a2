export { renderTimelines, sortedTasks } from "./render-timeline.ts";
export {
  catchUpTimelines,
  loadTimelines,
  replayTimelines,
  TIMELINE_CURSOR,
} from "./timeline-projection.ts";
export {
  applyEvent,
  emptyTimelines,
  type LoopTimeline,
  loopTimelineSchema,
  type TaskTimeline,
  type Timelines,
  taskTimelineSchema,
} from "./timeline-state.ts";
