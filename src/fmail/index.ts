export {
  DEFAULT_EVENTS_TOPIC,
  type FmailEventsConfig,
  type FmailEventsConfigInput,
  fmailEventsConfigSchema,
  parseFmailEventsConfig,
} from "./config.ts";
export {
  DEFAULT_EMIT,
  LOOP_EVENT_NAMES,
  type LoopEvent,
  type LoopEventName,
  loopEventSchema,
} from "./events.ts";
export { type GcOptions, type GcResult, gcTopics } from "./gc.ts";
export { goJson, goQuote } from "./gojson.ts";
export { generateMessageId, isMessageId, parseMessageIdTime } from "./id.ts";
export { ledgerSummary, tickExitCode } from "./ledger.ts";
export { describePools, LoopEventDeriver, type LoopEventDeriverOptions } from "./lifecycle.ts";
export {
  encodeMessage,
  type FmailMessage,
  formatFmailTime,
  MAX_MESSAGE_BYTES,
  parseMessage,
} from "./message.ts";
export {
  isValidName,
  loopAgentName,
  normalizeAgent,
  normalizeName,
  normalizeTags,
  normalizeTopic,
  slugName,
} from "./names.ts";
export { type Published, type PublishInput, type PublishOptions, publish } from "./publish.ts";
export {
  LoopEventPublisher,
  type LoopEventPublisherOptions,
  type LoopEventPublisherStats,
} from "./publisher.ts";
export {
  formatBody,
  formatJsonLine,
  formatLogLine,
  type MessageFilter,
  readTopic,
  type TopicListing,
  type WatchOptions,
  watchTopic,
} from "./read.ts";
export { discoverFmailRoot, type FmailRoot, fmailDir, topicDir } from "./root.ts";
