import { readSync } from "node:fs";

/**
 * One complete line of a JSONL file, without its `\n`, a `\r` before it, or the NUL bytes and
 * BOMs before its text (a crash leaves a run of NULs where the file was extended; a BOM is
 * left by an editor or a concatenation of files).
 */
export interface Line {
  text: string;
  /** Why the line's bytes cannot be taken as text (invalid UTF-8), when they cannot. */
  problem?: string;
  /** Byte offset of the line's first byte in the file. */
  byteOffset: number;
  /** 1-based line number in the file. */
  lineNumber: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    STRICT_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
const BOM = [0xef, 0xbb, 0xbf] as const;
const INITIAL_BUFFER = 1 << 20;
/** The first bytes of the file a reader keeps as it reads them: its fingerprint's input. */
const HEAD_MAX = 1024;
const RECENT_MAX = 1024;
/** The longest line the follower parses; a longer one is quarantined, only its start kept. */
export const MAX_LINE_BYTES = 1 << 20;
/** How much of a longer line is kept (as the quarantine row's raw text). */
export const KEPT_OF_LONG_LINE = 4096;

/** A line longer than the limit, being skipped to its newline: what is kept of it. */
interface LongLine {
  byteOffset: number;
  lineNumber: number;
  kept: Buffer;
  /** Its bytes so far, the newline excluded. */
  length: number;
}

/**
 * Reads lines from an open file descriptor, from a byte offset on, in chunks into one reused
 * buffer (so memory stays flat whatever the file's size). Only lines ended by `\n` are handed
 * out: a torn last line stays in the buffer until its newline arrives, or until `takeTail()`.
 * The buffer grows only for a line longer than itself.
 */
export class LineReader {
  private buf: Buffer;
  /** Unconsumed bytes are buf[start, end); `end` maps to file offset `fileOffset`. */
  private start = 0;
  private end = 0;
  private fileOffset: number;
  private nextLine: number;
  /** Where the next line after the buffered ones starts, for the caller's position. */
  private consumedOffset: number;
  /** The file's first bytes as this reader read them (or was given them): [0, headLength). */
  private readonly headBytes = Buffer.alloc(HEAD_MAX);
  private headLength = 0;
  /** The consumed bytes just before buf[0], kept when the buffer dropped them (see lastBytes). */
  private readonly recent = Buffer.alloc(RECENT_MAX);
  private recentLength = 0;
  /** The over-long line being skipped, if one is. */
  private long: LongLine | undefined;

  /**
   * `head`: the file's bytes before `byteOffset` (up to 1 KiB) as they were checked when the
   * position was resumed; the reader extends them with the bytes it reads, so a fingerprint
   * is always of the bytes actually read, never re-read later.
   */
  constructor(
    private readonly fd: number,
    byteOffset: number,
    lineNumber: number,
    bufferSize = INITIAL_BUFFER,
    head: Uint8Array = new Uint8Array(0),
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.buf = Buffer.allocUnsafe(bufferSize);
    this.fileOffset = byteOffset;
    this.consumedOffset = byteOffset;
    this.nextLine = lineNumber + 1;
    this.headLength = Math.min(head.length, HEAD_MAX);
    this.headBytes.set(head.subarray(0, this.headLength));
  }

  /** The file's first bytes (at most 1 KiB) as read: what its fingerprint is taken from. */
  get head(): Buffer {
    return this.headBytes.subarray(0, this.headLength);
  }

  /**
   * The last bytes consumed (up to `max`, at least the last line's newline) and their offset,
   * copied: what a batch checks the file still holds before it is committed.
   */
  lastBytes(max: number): { offset: number; bytes: Buffer } {
    const fromBuffer = Math.min(max, this.start);
    const fromRecent = Math.min(max - fromBuffer, this.recentLength);
    const bytes = Buffer.concat([
      this.recent.subarray(this.recentLength - fromRecent, this.recentLength),
      this.buf.subarray(this.start - fromBuffer, this.start),
    ]);
    return { offset: this.consumedOffset - bytes.length, bytes };
  }

  /** Bytes consumed so far: where the next unread line starts. */
  get byteOffset(): number {
    return this.consumedOffset;
  }

  /** Lines consumed so far. */
  get lineNumber(): number {
    return this.nextLine - 1;
  }

  /** Bytes read past the last complete line (a torn line waiting for its newline). */
  get pendingBytes(): number {
    return this.end - this.start + (this.long?.length ?? 0);
  }

  /**
   * Appends up to `max` complete lines to `into`, reading more of the file as needed; returns
   * how many it added (0: nothing complete yet, or end of file).
   */
  read(max: number, into: Line[]): number {
    let added = 0;
    while (added < max) {
      const nl = this.buf.indexOf(NEWLINE, this.start);
      const found = nl !== -1 && nl < this.end;
      if (this.long) {
        if (found) {
          into.push(this.endLong(nl, nl + 1));
          added++;
          continue;
        }
        this.skipBuffered();
      } else if (found) {
        into.push(this.take(nl, nl + 1));
        added++;
        continue;
      } else if (this.end - this.start > this.maxLineBytes) {
        this.startLong();
        continue;
      }
      if (this.fill() === 0) break;
    }
    return added;
  }

  /** The torn last line, taken as complete (a rotated file that will never grow again). */
  takeTail(): Line | undefined {
    for (;;) {
      if (this.long) this.skipBuffered();
      else if (this.end - this.start > this.maxLineBytes) this.startLong();
      if (this.fill() === 0) break;
    }
    if (this.long) return this.endLong(this.end, this.end);
    if (this.end === this.start) return undefined;
    return this.take(this.end, this.end);
  }

  /**
   * The buffered bytes, with no newline, are longer than a line may be: keep the first
   * KEPT_OF_LONG_LINE bytes and skip the rest up to its newline, so the buffer never grows for it.
   */
  private startLong(): void {
    this.keepRecent();
    const kept = Math.min(KEPT_OF_LONG_LINE, this.end - this.start);
    this.long = {
      byteOffset: this.consumedOffset,
      lineNumber: this.nextLine,
      kept: Buffer.from(this.buf.subarray(this.start, this.start + kept)),
      length: 0,
    };
    this.skipBuffered();
  }

  private skipBuffered(): void {
    (this.long as LongLine).length += this.end - this.start;
    this.start = this.end;
  }

  /** The over-long line ends with buf[start, textEnd) (`next`: after its newline). */
  private endLong(textEnd: number, next: number): Line {
    const long = this.long as LongLine;
    this.long = undefined;
    let length = long.length + textEnd - this.start;
    if (textEnd > this.start && this.buf[textEnd - 1] === CR) length--;
    const kib = (n: number) => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`);
    const line: Line = {
      text: long.kept.toString("utf8"),
      problem: `a line of ${length} bytes is longer than the ${kib(this.maxLineBytes)} a line may have: quarantined with only its first ${kib(long.kept.length)}, never mirrored`,
      byteOffset: long.byteOffset,
      lineNumber: long.lineNumber,
    };
    this.nextLine++;
    this.consumedOffset += long.length + next - this.start;
    this.start = next;
    // The bytes kept as recent came before the long line: no longer just before the position.
    this.recentLength = 0;
    return line;
  }

  /** Consumes buf[start, next) as one line whose text ends at `textEnd`. */
  private take(textEnd: number, next: number): Line {
    let from = this.start;
    let to = textEnd;
    const byteOffset = this.consumedOffset;
    for (;;) {
      if (from < to && this.buf[from] === NUL) from++;
      else if (startsWithBom(this.buf, from, to)) from += BOM.length;
      else break;
    }
    if (to > from && this.buf[to - 1] === CR) to--;
    const line: Line = {
      text: this.buf.toString("utf8", from, to),
      byteOffset,
      lineNumber: this.nextLine,
    };
    // Decoding replaced bad bytes with U+FFFD; only then is the strict decoder asked.
    if (line.text.includes("\uFFFD") && !isUtf8(this.buf.subarray(from, to))) {
      line.problem =
        "not valid UTF-8 (the runner writes ASCII JSON): kept here byte-replaced, never mirrored";
    }
    this.nextLine++;
    this.consumedOffset += next - this.start;
    this.start = next;
    return line;
  }

  /** Saves the last consumed bytes before the buffer drops buf[0, start). */
  private keepRecent(): void {
    const n = Math.min(RECENT_MAX, this.start);
    if (n < RECENT_MAX) {
      const old = Math.min(this.recentLength, RECENT_MAX - n);
      this.recent.copyWithin(0, this.recentLength - old, this.recentLength);
      this.recentLength = old;
    } else {
      this.recentLength = 0;
    }
    this.buf.copy(this.recent, this.recentLength, this.start - n, this.start);
    this.recentLength += n;
  }

  /** Reads more of the file after the buffered bytes; returns how many bytes came. */
  private fill(): number {
    if (
      !this.long &&
      this.start > 0 &&
      (this.start === this.end || this.end > this.buf.length / 2)
    ) {
      this.keepRecent();
    }
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    } else if (this.start > 0 && this.end > this.buf.length / 2) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.fileOffset);
    if (this.headLength === this.fileOffset && this.headLength < HEAD_MAX && n > 0) {
      const take = Math.min(n, HEAD_MAX - this.headLength);
      this.buf.copy(this.headBytes, this.headLength, this.end, this.end + take);
      this.headLength += take;
    }
    this.end += n;
    this.fileOffset += n;
    return n;
  }
}

function startsWithBom(buf: Buffer, from: number, to: number): boolean {
  return (
    to - from >= 3 && buf[from] === BOM[0] && buf[from + 1] === BOM[1] && buf[from + 2] === BOM[2]
  );
}
