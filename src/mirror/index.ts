export { idempotencyKey, occurrenceOf } from "./idempotency-key.ts";
export { MAPPED_LEGACY_KINDS, mapLegacyRecord } from "./map-record.ts";
export {
  type Conflict,
  emptyMirrorStats,
  Mirror,
  type MirrorStats,
  type RecordOutcome,
} from "./mirror.ts";
export { planRecord, type RecordPlan } from "./plan-record.ts";
export { type LineOrigin, listQuarantine, type QuarantinedLine, quarantine } from "./quarantine.ts";
