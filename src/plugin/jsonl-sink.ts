import type { ResolvedConfig } from "../config.ts";
import { describeError } from "../errors.ts";
import type { WarnOnce } from "../io/warn-once.ts";
import { LegacyJsonlWriter } from "../legacy/jsonl-writer.ts";
import type { AnyLegacyRecord } from "../legacy/schemas.ts";
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

  write(record: AnyLegacyRecord): void {
    try {
      this.writer.write(record);
      this.counts.jsonlWritten++;
    } catch (e) {
      this.counts.jsonlFailed++;
      this.warnings.warn("jsonl", describeError(e));
    }
  }

  flush(): void {}

  close(): void {
    this.writer.close();
  }

  stats(): JsonlSinkStats {
    return { ...this.counts };
  }
}
