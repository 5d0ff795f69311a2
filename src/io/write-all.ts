import { writeSync } from "node:fs";

/** Writes every byte to `fd`: `write(2)` may take fewer than it was given. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) {
    written += writeSync(fd, bytes, written, bytes.byteLength - written);
  }
}
