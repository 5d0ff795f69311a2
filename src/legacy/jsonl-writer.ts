import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
} from "node:fs";
import { dirname } from "node:path";
import { EventLogError } from "../errors.ts";
import { writeAllSync } from "../io/write-all.ts";

export interface JsonlRetention {
  /** Rotate before a line would take the file past this many bytes; 0 = never. */
  rotateBytes: number;
  /** Rotated files kept: `<path>.1` (newest) .. `<path>.<keep>`. */
  keep: number;
}

/** Where a line went: its file (device and inode) and byte range in it. */
export interface LinePlace {
  dev: number;
  ino: number;
  start: number;
  end: number;
}

const NO_ROTATION: JsonlRetention = { rotateBytes: 0, keep: 3 };
const NEWLINE = Buffer.from("\n");

/**
 * Appends legacy records to the runner's JSONL file, one `write(2)` per line on an O_APPEND
 * descriptor, so concurrent appenders (the Python runner, another plugin) never interleave
 * inside a line. Before each line it checks that the path still names its file (one stat,
 * about 1.5 µs): after a rename rotation (logrotate, the runner's own) or a deletion it
 * reopens the path, so the live file keeps growing. A line torn by a failed write (a full disk)
 * is ended before the next one, so the fragment stays a line of its own.
 */
export class LegacyJsonlWriter {
  private fd: number | null = null;
  private ino = 0;
  private dev = 0;
  private size = 0;
  private torn = false;
  /** The file (device, inode) and byte range the last line written went to. */
  readonly lastLine: LinePlace = { dev: 0, ino: 0, start: 0, end: 0 };

  constructor(
    readonly path: string,
    private readonly retention: JsonlRetention = NO_ROTATION,
  ) {}

  /**
   * Appends one encoded line (its newline included); `lastLine` then says where it went. With
   * `exact`, a byte range that surely holds it: from the file's size just before the write to
   * its size just after (two fstats); other appenders' lines may be in that range too. Throws
   * `db_io` when it could not be written.
   */
  writeLine(bytes: Uint8Array, exact = false): void {
    let fd: number;
    let before: number;
    try {
      fd = this.current();
      if (this.torn) this.endTornLine(fd);
      if (this.retention.rotateBytes > 0 && this.size + bytes.length > this.retention.rotateBytes) {
        this.rotate();
        fd = this.fd as number;
      }
      before = exact ? fstatSync(fd).size : this.size;
      this.torn = true;
      this.append(fd, bytes);
      this.torn = false;
    } catch (e) {
      throw new EventLogError(
        "db_io",
        `cannot append to the legacy JSONL ${this.path} (${(e as Error).message}); check the path, permissions and free space`,
        { cause: e },
      );
    }
    let after = before + bytes.length;
    if (exact) {
      try {
        after = Math.max(after, fstatSync(fd).size);
      } catch {
        // The line is written; its range ends at least where our own bytes do.
      }
    }
    this.size = after;
    this.lastLine.dev = this.dev;
    this.lastLine.ino = this.ino;
    this.lastLine.start = before;
    this.lastLine.end = after;
  }

  /** The one `write(2)` (or more, for a short write) of a line. */
  protected append(fd: number, bytes: Uint8Array): void {
    writeAllSync(fd, bytes);
  }

  /** The descriptor of the file the path names now, reopened when it was moved or removed. */
  private current(): number {
    if (this.fd !== null && !this.moved()) return this.fd;
    this.close();
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, "a+");
    this.remember(fstatSync(fd));
    this.fd = fd;
    return fd;
  }

  private moved(): boolean {
    let now: Stats;
    try {
      now = statSync(this.path);
    } catch {
      return true;
    }
    return now.ino !== this.ino || now.dev !== this.dev;
  }

  private remember(st: Stats): void {
    this.ino = st.ino;
    this.dev = st.dev;
    this.size = st.size;
  }

  /** After a failed write: if the file does not end with a newline, end the fragment first. */
  private endTornLine(fd: number): void {
    let size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== NEWLINE[0]) {
      writeAllSync(fd, NEWLINE);
      size++;
    }
    this.torn = false;
    this.size = size;
  }

  /** The runner's own retention: `<path>` → `.1` → `.2` ... → `.<keep>` (the oldest is dropped). */
  private rotate(): void {
    const { keep } = this.retention;
    for (let n = keep - 1; n >= 1; n--)
      renameIfPresent(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    renameIfPresent(this.path, `${this.path}.1`);
    this.current();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
