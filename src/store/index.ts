export { type EncodedEvent, encodeEvent, type InsertOutcome } from "./append.ts";
export { GENESIS_HASH } from "./chain.ts";
export type { CursorRow } from "./cursors.ts";
export type { DriverModule, DriverName } from "./driver.ts";
export { EventStore, openEventStore } from "./event-store.ts";
export { EVENT_KINDS, type EventKind, eventKindSchema, isEventKind } from "./kinds.ts";
export { loadDriver } from "./load-driver.ts";
export { LATEST_SCHEMA_VERSION } from "./migrations.ts";
export { DEFAULT_BUSY_TIMEOUT_MS, type OpenOptions, type Synchronous } from "./open.ts";
export type { SinceFilter } from "./read.ts";
export {
  type AppendInput,
  type AppendOptions,
  type AppendOutcome,
  type AppendResult,
  type StoredEvent,
  storedEventSchema,
} from "./record.ts";
export { toOccurredAt } from "./time.ts";
export type { VerifyReport } from "./verify.ts";
