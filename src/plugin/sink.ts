/**
 * One place a milestone goes (the legacy JSONL, the durable log, fmail). The plugin encodes
 * each record's JSONL line once and hands it to every sink in order (each sink's `write` takes
 * what it needs); each sink owns its failure policy and never throws.
 */
export interface Sink<Stats> {
  /** Writes out anything held back (a write-behind queue). */
  flush(): void;
  close(): void;
  stats(): Stats;
}
