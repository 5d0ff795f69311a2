import { z } from "zod";
import { EventLogError } from "../errors.ts";
import { goJson } from "./gojson.ts";

/** fmail refuses a message whose encoded file is larger than this. */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** RFC 3339 with optional fraction and a `Z` or `±hh:mm` zone, as Go's time.Time parses it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** One fmail message as stored in `<id>.json`. Field order is fmail's. */
const fmailMessageSchema = z.object({
  id: z.string().min(1),
  from: z.string().min(1),
  to: z.string().min(1),
  time: z.string().regex(RFC3339, "time must be RFC 3339, e.g. 2026-01-11T15:30:00Z"),
  body: z.unknown().refine((b): boolean => b !== undefined, "body is required"),
  reply_to: z.string().optional(),
  priority: z.enum(["low", "normal", "high"]).optional(),
  host: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

export type FmailMessage = z.infer<typeof fmailMessageSchema>;

/**
 * `time` as Go marshals a UTC time.Time (RFC3339Nano): `2026-01-11T15:30:00Z`, with a
 * fraction only when non-zero and its trailing zeros trimmed (`...:00.5Z`).
 */
export function formatFmailTime(time: Date): string {
  if (Number.isNaN(time.getTime())) {
    throw new EventLogError("input_invalid", "cannot format an invalid Date as an fmail time");
  }
  return time
    .toISOString()
    .replace(/\.(\d*?)0+Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

/** The message with fmail's field order and Go's `omitempty` applied. */
function ordered(msg: FmailMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: msg.id,
    from: msg.from,
    to: msg.to,
    time: msg.time,
    body: msg.body,
  };
  if (msg.reply_to) out.reply_to = msg.reply_to;
  if (msg.priority) out.priority = msg.priority;
  if (msg.host) out.host = msg.host;
  if (msg.tags && msg.tags.length > 0) out.tags = msg.tags;
  return out;
}

/**
 * The exact bytes fmail writes for a message: fields in fmail's order, two-space indent,
 * Go's escaping, no trailing newline. The body keeps its own key order (a Go struct).
 * Throws `fmail_too_large` above 1 MiB.
 */
export function encodeMessage(msg: FmailMessage): Uint8Array {
  const bytes = new TextEncoder().encode(goJson(ordered(msg), { indent: "  " }));
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new EventLogError(
      "fmail_too_large",
      `fmail message ${msg.id} to ${msg.to} is ${bytes.byteLength} bytes encoded; fmail refuses more than ${MAX_MESSAGE_BYTES} (1 MiB): shorten its body`,
    );
  }
  return bytes;
}

/** Parse and validate a message file's text; `undefined` when it is not a valid message. */
export function parseMessage(text: string): FmailMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = fmailMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
