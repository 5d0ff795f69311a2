import { closeSync, fstatSync, openSync, readSync, type Stats } from "node:fs";
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
import { drainEvery, type SharedRing } from "./shared-ring.ts";

const text = new TextDecoder();
const NEWLINE = 0x0a;
/** A gap is read back and handed to the writer this many bytes at a time (cut at a line's end). */
export const GAP_CHUNK_BYTES = 1 << 20;

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

/** With write-through, how long an idle writer waits for a wake before it looks for idle work. */
const WRITE_THROUGH_IDLE_MS = 1000;

/**
 * The writer's side of the ring: every `mirrorFlushMs` (at once when the sink wakes it: with
 * `mirrorFlushMs` 0, `mirrorQueueMax` waiting, the ring half full or full) it takes every frame written so far and
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

  /**
   * Drains until `stop()`; a failed drain is reported and the next one comes on time. `idle`
   * runs after a drain that found nothing (never after the drains of flush and close); with
   * write-through (`mirrorFlushMs` 0, a drain per wake) such a drain comes once a second.
   */
  run(failed: (e: unknown) => void, idle?: () => void): Promise<void> {
    const flushMs = this.settings.mirrorFlushMs;
    return drainEvery(
      this.ring,
      flushMs === 0 && idle ? WRITE_THROUGH_IDLE_MS : flushMs,
      () => {
        if (this.drain() === 0) idle?.();
      },
      failed,
      () => !this.stopped,
    );
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Hands the writer everything in the ring now; returns how many frames it took. Frames taken
   * before a throw still reach the writer, so that its count of what it received stays right.
   */
  drain(): number {
    let items: WriterItem[] = [];
    let ours = 0;
    const hand = () => {
      const batch = items;
      const n = ours;
      items = [];
      ours = 0;
      if (batch.length > 0) this.writer.accept(batch, n);
    };
    try {
      return this.ring.drain((tag, _stamp, payload) => {
        if (tag === FRAME_LINE) {
          ours++;
          items.push(itemOfLine(text.decode(payload.subarray(0, payload.length - 1))));
        } else if (tag === FRAME_UNENCODABLE) {
          ours++;
          const { raw, reason, ts } = JSON.parse(text.decode(payload)) as Unencodable;
          items.push({ plan: { status: "invalid", reason }, raw, ts });
        } else if (tag === FRAME_GAP) {
          // In order: what came before the gap first.
          hand();
          this.readGap(JSON.parse(text.decode(payload)) as Gap);
        }
      });
    } finally {
      hand();
    }
  }

  /**
   * Reads a gap back from the file its lines were written to, GAP_CHUNK_BYTES at a time, each
   * chunk cut after its last whole line and handed to the writer before the next is read.
   */
  private readGap(gap: Gap): void {
    const fd = this.openGapFile(gap);
    if (fd === null) {
      this.writer.lost(
        gap.count,
        `the hand-over ring was full and the JSONL lines written meanwhile (bytes ${gap.start}..${gap.end}) are no longer in ${this.settings.jsonl} or its rotated files`,
      );
      return;
    }
    // Our count goes with the last chunk: a gap's lines are ours and other appenders'.
    let owed = gap.count;
    try {
      let pos = gap.start;
      let carry = new Uint8Array(0);
      while (pos < gap.end) {
        const room =
          carry.length < GAP_CHUNK_BYTES ? GAP_CHUNK_BYTES - carry.length : GAP_CHUNK_BYTES;
        const want = Math.min(room, gap.end - pos);
        const chunk = new Uint8Array(carry.length + want);
        chunk.set(carry);
        for (let got = 0; got < want; ) {
          const n = readSync(fd, chunk, carry.length + got, want - got, pos + got);
          if (n === 0) throw new Error(`the file ended before byte ${gap.end}`);
          got += n;
        }
        pos += want;
        const last = pos >= gap.end;
        const cut = last ? chunk.length : chunk.lastIndexOf(NEWLINE) + 1;
        carry = chunk.slice(cut);
        const lines = text.decode(chunk.subarray(0, cut)).split("\n").filter(Boolean);
        if (lines.length === 0 && !last) continue;
        const ours = last ? owed : 0;
        owed -= ours;
        this.writer.accept(lines.map(itemOfLine), ours);
      }
    } catch (e) {
      if (owed === 0) throw e;
      this.writer.lost(
        owed,
        `the hand-over ring was full and the JSONL lines written meanwhile (bytes ${gap.start}..${gap.end} of ${this.settings.jsonl}) could not all be read back (${describeError(e)})`,
      );
    } finally {
      closeSync(fd);
    }
  }

  /** The descriptor of whichever of the JSONL's files the gap's lines were written to. */
  private openGapFile(gap: Gap): number | null {
    const { jsonl, jsonlKeep } = this.settings;
    const paths = [jsonl, ...Array.from({ length: jsonlKeep }, (_, i) => `${jsonl}.${i + 1}`)];
    for (const path of paths) {
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch {
        continue;
      }
      let st: Stats;
      try {
        st = fstatSync(fd);
      } catch {
        closeSync(fd);
        continue;
      }
      if (st.dev === gap.dev && st.ino === gap.ino && st.size >= gap.end) return fd;
      closeSync(fd);
    }
    return null;
  }
}
