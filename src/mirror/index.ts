export { idempotencyKey, occurrenceOf } from "./idempotency-key.ts";
export { MAPPED_LEGACY_KINDS, mapLegacyRecord } from "./map-record.ts";
export {
  emptyMirrorStats,
  Mirror,
  type MirrorStats,
  type RecordOutcome,
} from "./mirror.ts";
export { planRecord, type RecordPlan } from "./plan-record.ts";
