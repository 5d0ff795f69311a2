import * as crypto from "node:crypto";
import { canonicalJson } from "../encoding/python-json.ts";

/**
 * Idempotency keys of the events the mirror writes (the format is documented in
 * docs/mirror.md, "Idempotency keys"):
 *
 *   eventlog:<durable kind>:<24 hex>                  one occurrence of a record
 *   eventlog:pr.merged:issue=<n>:pr=<number>           the merge of one PR (an entity)
 *
 * The 24 hex are the first 96 bits of sha256 over the event's place in its record (`part`:
 * the issue of a per-issue event, the repeat number of an issue listed twice) and the record's
 * canonical JSON (sorted keys, `ts` included). Identical records collapse; records that differ
 * in any field, `ts` included, never do. Keys depend only on the record, so a milestone gets
 * the same key from a hook and from the JSONL, and a reader may start anywhere in the file.
 *
 * Two other key families can be in a database and are recognised, never written:
 * - ours before this format: `legacy/<legacy kind>/<durable kind>[/tick=..]...[/at=<ts>]`;
 * - forge-loop's own mirror: `legacy-runner:<durable kind>:<legacy kind>:tick=..:issue=..:worker=..:pr=..`
 *   with, in its newest mirror, `:step=<discriminator>` appended.
 */
export const KEY_PREFIX = "eventlog:";
export const V1_KEY_PREFIX = "legacy/";
export const UPSTREAM_KEY_PREFIX = "legacy-runner:";

/** Hex digits of the digest kept in a key: 96 bits, no collision in any real log. */
const DIGEST_HEX = 24;

type OneShotHash = (algorithm: string, data: string, encoding: "hex") => string;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot("sha256", text, "hex")
  : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** The record's canonical JSON: computed once per record, hashed once per event. */
export const canonicalRecord = (record: Record<string, unknown>): string => canonicalJson(record);

/** The key of one occurrence: `part` places the event in its record ("" for the whole record). */
export function contentKey(durableKind: string, part: string, canonical: string): string {
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
export function entityKey(durableKind: string, issue: number, pr: number): string {
  return `${KEY_PREFIX}${durableKind}:issue=${issue}:pr=${pr}`;
}

/** An entity key (one per PR), as opposed to an occurrence key. */
export const isEntityKey = (key: string | null): boolean =>
  key?.startsWith(KEY_PREFIX) === true && key.includes(":issue=");

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
}
