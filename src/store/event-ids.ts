import { getRandomValues } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const MAX_COUNTER = 0xfff;
/** The version nibble and the 12-bit counter, as they follow the time in an id. */
const VERSION_AND_COUNTER = Array.from(
  { length: MAX_COUNTER + 1 },
  (_, i) => `4${i.toString(16).padStart(3, "0")}`,
);
const POOL_IDS = 512;

/**
 * Event ids for a backfill: 32 lowercase hex characters in uuid4 layout (version nibble 4,
 * RFC 4122 variant), whose first 48 bits are the Unix time in milliseconds and next 12 a
 * counter, followed by 62 random bits. Ids made one after another sort one after another, so
 * SQLite appends them to the right edge of the `event_id` UNIQUE index instead of touching a
 * random page per event, which is what bounds a backfill of a million lines with fully random
 * uuid4s. Still unique (62 random bits per millisecond and counter value) and still accepted
 * wherever a uuid4 hex is; the cost is that an id tells when it was made, as a uuid7 does.
 */
export function orderedEventIds(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  let time = "";
  const pool = new Uint8Array(POOL_IDS * 8);
  let next = pool.length;
  return () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      counter = 0;
      time = timeHex(lastMs);
    } else if (++counter > MAX_COUNTER) {
      lastMs++;
      counter = 0;
      time = timeHex(lastMs);
    }
    if (next === pool.length) {
      getRandomValues(pool);
      next = 0;
    }
    const r = pool.subarray(next, next + 8);
    next += 8;
    let tail = HEX[0x80 | ((r[0] as number) & 0x3f)] as string;
    for (let i = 1; i < 8; i++) tail += HEX[r[i] as number];
    return `${time}${VERSION_AND_COUNTER[counter]}${tail}`;
  };
}

/** The id's first 48 bits: once per millisecond, not per id. */
const timeHex = (ms: number): string => ms.toString(16).padStart(12, "0").slice(-12);
