import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compareCodePoints } from "../encoding/unicode.ts";
import { sleep } from "../io/sleep.ts";
import { goJson, goQuote } from "./gojson.ts";
import { type FmailMessage, parseMessage } from "./message.ts";
import { normalizeName, normalizeTopic } from "./names.ts";
import { topicDir } from "./root.ts";

/** fmail's poll interval for `watch` and `log --follow`. */
const WATCH_INTERVAL_MS = 100;
/** Polls an unparseable file is retried (a writer may still be busy) before it is skipped. */
const PARSE_RETRIES = 20;

export interface TopicListing {
  /** Valid messages in ID order (then time, then file name), as fmail sorts them. */
  messages: FmailMessage[];
  /** Files named `*.json` that are not valid messages. */
  skipped: string[];
}

export interface MessageFilter {
  /** Body field `loop` equals this. */
  loop?: string;
  /** Body field `event` equals this. */
  event?: string;
  /** Message tags include this (normalised). */
  tag?: string;
}

/** Message file names (`*.json`, not folders) of a topic folder, sorted; [] if none. */
function messageFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.isDirectory() && e.name.endsWith(".json"))
      .map((e) => e.name)
      .sort(compareCodePoints);
  } catch {
    return [];
  }
}

type ReadResult = { ok: FmailMessage } | { gone: true } | { invalid: true };

function readOne(path: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { gone: true };
  }
  const msg = parseMessage(text);
  return msg ? { ok: msg } : { invalid: true };
}

function byIdThenTime(
  a: { m: FmailMessage; f: string },
  b: { m: FmailMessage; f: string },
): number {
  if (a.m.id !== b.m.id) return compareCodePoints(a.m.id, b.m.id);
  const ta = Date.parse(a.m.time);
  const tb = Date.parse(b.m.time);
  if (ta !== tb) return ta - tb;
  return compareCodePoints(a.f, b.f);
}

function field(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null
    ? (body as Record<string, unknown>)[key]
    : undefined;
}

function matchesFilter(msg: FmailMessage, filter: MessageFilter): boolean {
  if (filter.loop !== undefined && field(msg.body, "loop") !== filter.loop) return false;
  if (filter.event !== undefined && field(msg.body, "event") !== filter.event) return false;
  if (filter.tag !== undefined && !(msg.tags ?? []).includes(normalizeName(filter.tag))) {
    return false;
  }
  return true;
}

/** Every message of a topic (like `fmail log`, unfiltered). Files that do not parse are skipped. */
export function readTopic(root: string, topic: string, filter: MessageFilter = {}): TopicListing {
  const dir = topicDir(root, normalizeTopic(topic));
  const found: { m: FmailMessage; f: string }[] = [];
  const skipped: string[] = [];
  for (const f of messageFiles(dir)) {
    const r = readOne(join(dir, f));
    if ("ok" in r) {
      if (matchesFilter(r.ok, filter)) found.push({ m: r.ok, f });
    } else if ("invalid" in r) skipped.push(f);
  }
  found.sort(byIdThenTime);
  return { messages: found.map((x) => x.m), skipped };
}

export interface WatchOptions extends MessageFilter {
  /** Also deliver messages already present whose ID sorts after this one. */
  sinceId?: string;
  /** Stop after this many messages (0 / undefined: no limit). */
  count?: number;
  /** Stop after this many milliseconds (0 / undefined: no limit). */
  timeoutMs?: number;
  /** Poll interval (default 100 ms, as fmail). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Poll a topic folder (every 100 ms) and yield each new message once, in ID order per
 * poll, like `fmail watch <topic>`. "New" means: not in the folder when `watchTopic` was
 * called, or (with `sinceId`) any message whose ID sorts after `sinceId`. The folder is
 * listed at call time, so a message published right after the call is delivered even if
 * iteration starts later. Ends on `count`, `timeoutMs` or `signal`.
 */
export function watchTopic(
  root: string,
  topic: string,
  opts: WatchOptions = {},
): AsyncGenerator<FmailMessage, void, undefined> {
  const dir = topicDir(root, normalizeTopic(topic));
  const started = Date.now();
  const seen = new Set<string>(opts.sinceId === undefined ? messageFiles(dir) : []);
  const tries = new Map<string, number>();
  const interval = opts.intervalMs ?? WATCH_INTERVAL_MS;

  async function* run(): AsyncGenerator<FmailMessage, void, undefined> {
    let delivered = 0;
    for (;;) {
      if (opts.signal?.aborted) return;
      const batch: { m: FmailMessage; f: string }[] = [];
      for (const f of messageFiles(dir)) {
        if (seen.has(f)) continue;
        const r = readOne(join(dir, f));
        if ("gone" in r) continue;
        if ("invalid" in r) {
          const n = (tries.get(f) ?? 0) + 1;
          tries.set(f, n);
          if (n >= PARSE_RETRIES) {
            seen.add(f);
            tries.delete(f);
          }
          continue;
        }
        seen.add(f);
        tries.delete(f);
        if (opts.sinceId !== undefined && compareCodePoints(r.ok.id, opts.sinceId) <= 0) continue;
        if (matchesFilter(r.ok, opts)) batch.push({ m: r.ok, f });
      }
      batch.sort(byIdThenTime);
      for (const { m } of batch) {
        yield m;
        delivered++;
        if (opts.count && delivered >= opts.count) return;
      }
      let wait = interval;
      if (opts.timeoutMs) {
        const left = started + opts.timeoutMs - Date.now();
        if (left <= 0) return;
        wait = Math.min(wait, left);
      }
      if (!(await sleep(wait, opts.signal))) return;
    }
  }
  return run();
}

/** A body as fmail prints it: a string as-is, anything else as compact JSON (Go map order). */
export function formatBody(body: unknown): string {
  return typeof body === "string" ? body : goJson(body, { sortKeys: true });
}

/** fmail's human line (`log`/`watch`): `<id> <from> -> <to>: <body>` (no newline). */
export function formatLogLine(msg: FmailMessage): string {
  return `${msg.id} ${msg.from} -> ${msg.to}: ${formatBody(msg.body)}`;
}

/**
 * fmail's `--json` line: the message as compact JSON in fmail's field order, the body
 * re-encoded the way Go re-encodes a decoded map (keys sorted). `time` is printed as
 * stored. No newline.
 */
export function formatJsonLine(msg: FmailMessage): string {
  const parts = [
    `"id":${goQuote(msg.id)}`,
    `"from":${goQuote(msg.from)}`,
    `"to":${goQuote(msg.to)}`,
    `"time":${goQuote(msg.time)}`,
    `"body":${goJson(msg.body, { sortKeys: true })}`,
  ];
  if (msg.reply_to) parts.push(`"reply_to":${goQuote(msg.reply_to)}`);
  if (msg.priority) parts.push(`"priority":${goQuote(msg.priority)}`);
  if (msg.host) parts.push(`"host":${goQuote(msg.host)}`);
  if (msg.tags && msg.tags.length > 0) parts.push(`"tags":${goJson(msg.tags)}`);
  return `{${parts.join(",")}}`;
}
