import { canonicalJson } from "../encoding/canonical-json.ts";
import { sha256, sha256Hex } from "../encoding/sha256.ts";

/**
 * Idempotency keys of the events the mirror writes (the formats are documented in
 * docs/mirror.md, "Idempotency keys"). A database writes one format, named by its prefix and
 * recorded in it (`settings`, migration 9): new databases `fe:`, databases that already held
 * `eventlog:` keys keep `eventlog:`.
 *
 *   fe:<16 base64url>                                  one occurrence of a record
 *   fe:pr.merged:issue=<n>:pr=<number>                 the merge of one PR (an entity)
 *   eventlog:<durable kind>:<24 hex>                   one occurrence (the earlier format)
 *   eventlog:pr.merged:issue=<n>:pr=<number>
 *
 * Both digests are the first 96 bits of a sha256 over the event's place in its record (`part`:
 * the issue of a per-issue event, the repeat number of an issue listed twice) and the record's
 * canonical JSON (sorted keys, `ts` included); `fe:` also hashes the durable kind, which
 * `eventlog:` spells out in the key. Identical records collapse; records that differ in any
 * field, `ts` included, never do. Keys depend only on the record and the database's format,
 * so a milestone gets the same key from a hook and from the JSONL, and a reader may start
 * anywhere in the file.
 *
 * Two other key families can be in a database and are recognised, never written:
 * - ours before these formats: `legacy/<legacy kind>/<durable kind>[/tick=..]...[/at=<ts>]`;
 * - forge-loop's own mirror: `legacy-runner:<durable kind>:<legacy kind>:tick=..:issue=..:worker=..:pr=..`
 *   with, in its newest mirror, `:step=<discriminator>` appended.
 */
export const KEY_PREFIX = "eventlog:";
export const SHORT_KEY_PREFIX = "fe:";
export const V1_KEY_PREFIX = "legacy/";
export const UPSTREAM_KEY_PREFIX = "legacy-runner:";

/** The key formats we write, each named by its prefix. */
export type KeyFormat = typeof KEY_PREFIX | typeof SHORT_KEY_PREFIX;
export const KEY_FORMATS: readonly KeyFormat[] = [SHORT_KEY_PREFIX, KEY_PREFIX];
/** What a new database writes. */
export const NEW_DATABASE_KEY_FORMAT: KeyFormat = SHORT_KEY_PREFIX;

export const isKeyFormat = (value: unknown): value is KeyFormat =>
  KEY_FORMATS.includes(value as KeyFormat);

/** The other format we write (its keys may be in a database by import or an older release). */
export const otherKeyFormat = (format: KeyFormat): KeyFormat =>
  format === KEY_PREFIX ? SHORT_KEY_PREFIX : KEY_PREFIX;

/** Characters of the digest kept in a key: 96 bits either way, no collision in any real log. */
const DIGEST_HEX = 24;
const DIGEST_BASE64URL = 16;

/** The record's canonical JSON: computed once per record, hashed once per event. */
export const canonicalRecord = (record: Record<string, unknown>): string => canonicalJson(record);

/** The key of one occurrence: `part` places the event in its record ("" for the whole record). */
export function contentKey(
  format: KeyFormat,
  durableKind: string,
  part: string,
  canonical: string,
): string {
  if (format === SHORT_KEY_PREFIX) {
    const digest = sha256(`${durableKind}\n${part}\n${canonical}`, "base64url");
    return `${SHORT_KEY_PREFIX}${digest.slice(0, DIGEST_BASE64URL)}`;
  }
  return `${KEY_PREFIX}${durableKind}:${sha256Hex(`${part}\n${canonical}`).slice(0, DIGEST_HEX)}`;
}

/** The PR's number from a number, `"201"`, `"#201"` or a URL ending in `/pull/201`; else null. */
export function prNumber(pr: unknown): number | null {
  if (typeof pr === "number") return Number.isSafeInteger(pr) && pr > 0 ? pr : null;
  if (typeof pr !== "string") return null;
  const m = /(?:^#?|\/pulls?\/)(\d+)\/?(?:[?#].*)?$/.exec(pr.trim());
  return m ? Number(m[1]) : null;
}

/** The merge of one PR: every record saying so gives this key, so it is stored once. */
export function entityKey(
  format: KeyFormat,
  durableKind: string,
  issue: number,
  pr: number,
): string {
  return `${format}${durableKind}:issue=${issue}:pr=${pr}`;
}

/** An entity key (one per PR) of either format, as opposed to an occurrence key. */
export const isEntityKey = (key: string | null): boolean =>
  key !== null && KEY_FORMATS.some((f) => key.startsWith(f)) && key.includes(":issue=");

/** Whether `key` is written in `format`. */
export const keyHasFormat = (key: string | null, format: KeyFormat): boolean =>
  key?.startsWith(format) === true;

/** The parts of the key format used before content digests (kept to recognise old rows). */
export interface V1Parts {
  tick?: number | undefined;
  issue?: number | undefined;
  pr?: unknown;
  session?: unknown;
  part?: string | undefined;
}

/**
 * The key our earlier releases gave the same event: `legacy/<legacy kind>/<durable kind>`, then
 * `/tick=`, `/issue=`, `/pr=`, `/session=` and the repeat part when present, then `/at=<ts>`, or
 * `/digest=<first 16 hex of sha256(canonical record)>` for a record without `ts`.
 */
export function v1Key(
  legacyKind: string,
  durableKind: string,
  parts: V1Parts,
  record: Record<string, unknown>,
  canonical: string,
): string {
  let key = `${V1_KEY_PREFIX}${legacyKind}/${durableKind}`;
  if (parts.tick !== undefined) key += `/tick=${parts.tick}`;
  if (parts.issue !== undefined) key += `/issue=${parts.issue}`;
  if (parts.pr !== undefined && parts.pr !== null && parts.pr !== "") key += `/pr=${parts.pr}`;
  if (parts.session) key += `/session=${parts.session}`;
  if (parts.part !== undefined) key += `/${parts.part}`;
  const ts = record.ts;
  const occurrence =
    typeof ts === "string" && ts !== ""
      ? `at=${ts}`
      : `digest=${sha256Hex(canonical).slice(0, 16)}`;
  return `${key}/${occurrence}`;
}

/** The fields forge-loop's mirror names a worker by, first present wins. */
const WORKER_FIELDS = [
  "session_id",
  "worker_id",
  "worker",
  "thread_id",
  "log_path",
  "worktree",
  "branch",
] as const;

/** A key part as forge-loop's mirror writes it: absent, null, "" and 0 all become empty. */
function upstreamPart(value: unknown): string {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) {
    return "";
  }
  return String(value);
}

const present = (v: unknown) => v !== undefined && v !== null && v !== "";

/**
 * The key forge-loop's own mirror gives this event, without its newest `:step=` suffix:
 * `legacy-runner:<durable kind>:<legacy kind>:tick=<t>:issue=<n>:worker=<w>:pr=<p>`, where `<w>`
 * is the first present of WORKER_FIELDS and `<p>` is `pr_url`, else `pr`, taken from the event's
 * own fields (an outcome's, for a per-outcome event).
 */
export function upstreamKey(
  durableKind: string,
  legacyKind: string,
  fields: Record<string, unknown>,
): string {
  const worker = WORKER_FIELDS.map((f) => fields[f]).find(present);
  const pr = present(fields.pr_url) ? fields.pr_url : fields.pr;
  return `${UPSTREAM_KEY_PREFIX}${durableKind}:${legacyKind}:tick=${upstreamPart(fields.tick)}:issue=${upstreamPart(fields.issue)}:worker=${upstreamPart(worker)}:pr=${upstreamPart(pr)}`;
}

/** The other keys one of our events may already be stored under. */
export interface KeyAliases {
  v1: string;
  upstream: string;
  /** The key of the other format we write (see otherKeyFormat). */
  other: string;
}
