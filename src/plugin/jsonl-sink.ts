import type { ResolvedConfig } from "../config.ts";
import { describeError } from "../errors.ts";
import type { WarnOnce } from "../io/warn-once.ts";
import { LegacyJsonlWriter, type LinePlace } from "../legacy/jsonl-writer.ts";
import type { Sink } from "./sink.ts";

export interface JsonlSinkStats {
  jsonlWritten: number;
  jsonlFailed: number;
}

/** The runner's legacy JSONL, written first and synchronously; a failure is counted and said once. */
export class JsonlSink implements Sink<JsonlSinkStats> {
  private readonly writer: LegacyJsonlWriter;
  private readonly counts: JsonlSinkStats = { jsonlWritten: 0, jsonlFailed: 0 };

  constructor(
    config: Pick<ResolvedConfig, "jsonl" | "jsonlRotateBytes" | "jsonlKeep">,
    private readonly warnings: WarnOnce,
  ) {
    this.writer = new LegacyJsonlWriter(config.jsonl, {
      rotateBytes: config.jsonlRotateBytes,
      keep: config.jsonlKeep,
    });
  }

  /**
   * Appends one encoded line; returns where it went (`exact`: a range that surely holds it,
   * see LegacyJsonlWriter.writeLine), or null when it could not be written.
   */
  write(line: Uint8Array, exact: boolean): LinePlace | null {
    try {
      this.writer.writeLine(line, exact);
      this.counts.jsonlWritten++;
      return this.writer.lastLine;
    } catch (e) {
      this.failed(e);
      return null;
    }
  }

  /** A line that could not be written (nor encoded). */
  failed(e: unknown): void {
    this.counts.jsonlFailed++;
    this.warnings.warn("jsonl", describeError(e));
  }

  flush(): void {}

  close(): void {
    this.writer.close();
  }

  stats(): JsonlSinkStats {
    return { ...this.counts };
  }
}
