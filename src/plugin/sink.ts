import type { AnyLegacyRecord } from "../legacy/schemas.ts";

/**
 * One place a milestone goes (the legacy JSONL, the durable log, fmail). The plugin hands every
 * record to every sink in order; each sink owns its failure policy and never throws.
 */
export interface Sink<Stats> {
  write(record: AnyLegacyRecord): void;
  /** Writes out anything held back (a write-behind queue). */
  flush(): void;
  close(): void;
  stats(): Stats;
}
