/** fmail message IDs: `YYYYMMDD-HHMMSS-NNNN`, UTC, NNNN a per-process counter mod 10000. */
const MESSAGE_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{4})$/;

let counter = 0;

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** The `YYYYMMDD-HHMMSS` part of an ID for `time` (UTC). */
export function idTimePrefix(time: Date): string {
  return (
    `${pad(time.getUTCFullYear(), 4)}${pad(time.getUTCMonth() + 1, 2)}${pad(time.getUTCDate(), 2)}-` +
    `${pad(time.getUTCHours(), 2)}${pad(time.getUTCMinutes(), 2)}${pad(time.getUTCSeconds(), 2)}`
  );
}

/** A new ID for `time`; like fmail the first ID of a process ends in `-0001`. */
export function generateMessageId(time: Date = new Date()): string {
  counter = (counter + 1) % 10000;
  return `${idTimePrefix(time)}-${pad(counter, 4)}`;
}

/**
 * Make the next generated ID's counter larger than `used`: after an ID clash a writer can
 * skip the counters other processes already used in that second instead of walking into
 * each of them (fmail's 10 tries run out when a second is busy). Wraps at 10000.
 */
export function skipCounterPast(used: number): void {
  if (Number.isInteger(used) && used > counter) counter = used % 10000;
}

export function isMessageId(value: string): boolean {
  return MESSAGE_ID_PATTERN.test(value) && parseMessageIdTime(value) !== undefined;
}

/**
 * The time encoded in an ID (or in a file name starting with one, e.g. `<id>.json`),
 * second precision, UTC; `undefined` when there is no valid `YYYYMMDD-HHMMSS` prefix.
 */
export function parseMessageIdTime(idOrName: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(idOrName);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const t = new Date(ms);
  // Reject rolled-over dates such as 20260231 or hour 25.
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
    return undefined;
  }
  if (t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== s) {
    return undefined;
  }
  return t;
}
