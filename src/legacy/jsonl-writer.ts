import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { legacyLine } from "../encoding/python-json.ts";
import { EventLogError } from "../errors.ts";
import { writeAllSync } from "../io/write-all.ts";
import type { AnyLegacyRecord } from "./schemas.ts";

/**
 * Appends legacy records to the runner's JSONL file, one `write(2)` per line on an O_APPEND
 * descriptor, so concurrent appenders (the Python runner, another plugin) never interleave
 * inside a line.
 */
export class LegacyJsonlWriter {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  write(record: AnyLegacyRecord): void {
    const bytes = Buffer.from(`${legacyLine(record)}\n`, "utf8");
    try {
      this.fd ??= this.open();
      writeAllSync(this.fd, bytes);
    } catch (e) {
      throw new EventLogError(
        "db_io",
        `cannot append to the legacy JSONL ${this.path} (${(e as Error).message}); check the path, permissions and free space`,
        { cause: e },
      );
    }
  }

  private open(): number {
    mkdirSync(dirname(this.path), { recursive: true });
    return openSync(this.path, "a");
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
