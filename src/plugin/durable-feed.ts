import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parseLegacyLine } from "../encoding/python-json.ts";
import { describeError } from "../errors.ts";
import {
  FRAME_GAP,
  FRAME_LINE,
  FRAME_UNENCODABLE,
  type Gap,
  type Unencodable,
  type WriterItem,
  type WriterSettings,
} from "./durable-protocol.ts";
import type { DurableWriter } from "./durable-writer.ts";
import type { SharedRing } from "./shared-ring.ts";

const text = new TextDecoder();
const NEWLINE = 0x0a;
/** How far before a gap's noted start its first line's start is looked for. */
const LOOK_BACK = 64 * 1024;

/** A line as the writer takes it: its record, or, if it is not JSON, quarantined as it is. */
function itemOfLine(line: string): WriterItem {
  try {
    return { record: parseLegacyLine(line) };
  } catch (e) {
    return {
      plan: { status: "invalid", reason: `not JSON (${describeError(e)})` },
      raw: line,
      ts: null,
    };
  }
}

/**
 * The writer's side of the ring: every `mirrorFlushMs` (at once when the sink wakes it: with
 * `mirrorFlushMs` 0, or `mirrorQueueMax` waiting) it takes every frame written so far and
 * gives the writer their milestones in one go; a gap is read back from the JSONL, from the
 * file it was written to (the live one or a rotated `.1`..`.<jsonlKeep>`).
 */
export class DurableFeed {
  private stopped = false;

  constructor(
    private readonly ring: SharedRing,
    private readonly settings: WriterSettings,
    private readonly writer: DurableWriter,
  ) {}

  /** Drains until `stop()`; a failed drain is reported and the next one comes on time. */
  async run(failed: (e: unknown) => void): Promise<void> {
    const wait = this.settings.mirrorFlushMs > 0 ? this.settings.mirrorFlushMs : undefined;
    while (!this.stopped) {
      try {
        this.drain();
      } catch (e) {
        failed(e);
      }
      await this.ring.waitForWake(wait);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Hands the writer everything in the ring now. */
  drain(): void {
    let items: WriterItem[] = [];
    let ours = 0;
    this.ring.drain((tag, _stamp, payload) => {
      if (tag === FRAME_LINE) {
        items.push(itemOfLine(text.decode(payload.subarray(0, payload.length - 1))));
        ours++;
      } else if (tag === FRAME_UNENCODABLE) {
        const { raw, reason, ts } = JSON.parse(text.decode(payload)) as Unencodable;
        items.push({ plan: { status: "invalid", reason }, raw, ts });
        ours++;
      } else if (tag === FRAME_GAP) {
        const gap = JSON.parse(text.decode(payload)) as Gap;
        // In order: what came before the gap first.
        if (items.length > 0) this.writer.accept(items, ours);
        items = [];
        ours = 0;
        this.readGap(gap);
      }
    });
    if (items.length > 0) this.writer.accept(items, ours);
  }

  private readGap(gap: Gap): void {
    const bytes = this.readBack(gap);
    if (bytes === null) {
      this.writer.lost(
        gap.count,
        `the hand-over ring was full and the JSONL lines written meanwhile (bytes ${gap.start}..${gap.end}) are no longer in ${this.settings.jsonl} or its rotated files`,
      );
      return;
    }
    const lines = text.decode(bytes).split("\n").filter(Boolean);
    this.writer.accept(lines.map(itemOfLine), gap.count);
  }

  /** The gap's bytes from whichever of the JSONL's files is the one they were written to. */
  private readBack(gap: Gap): Uint8Array | null {
    const { jsonl, jsonlKeep } = this.settings;
    const paths = [jsonl, ...Array.from({ length: jsonlKeep }, (_, i) => `${jsonl}.${i + 1}`)];
    for (const path of paths) {
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch {
        continue;
      }
      try {
        const st = fstatSync(fd);
        if (st.dev !== gap.dev || st.ino !== gap.ino || st.size < gap.end) continue;
        // A line another process appended between our write and its fstat shifts the start
        // noted for ours: the range is widened back to the line start before it.
        const from = Math.max(0, gap.start - LOOK_BACK);
        const bytes = new Uint8Array(gap.end - from);
        let got = 0;
        while (got < bytes.length) {
          const n = readSync(fd, bytes, got, bytes.length - got, from + got);
          if (n === 0) return null;
          got += n;
        }
        let start = gap.start - from;
        if (start > 0 && bytes[start - 1] !== NEWLINE)
          start = bytes.lastIndexOf(NEWLINE, start - 1) + 1;
        return bytes.subarray(start);
      } catch {
        return null;
      } finally {
        closeSync(fd);
      }
    }
    return null;
  }
}
