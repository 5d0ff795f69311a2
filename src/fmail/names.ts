import { EventLogError } from "../errors.ts";

/** fmail's one rule for topic, agent and tag names (after trimming and lower-casing). */
const NAME_PATTERN = /^[a-z0-9-]+$/;
const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 50;

const RULE = "lower-case letters a-z, digits 0-9 and '-' only (e.g. forge-events)";

/** Trim and lower-case, as fmail does before validating any name. */
export function normalizeName(value: string): string {
  return value.trim().toLowerCase();
}

export function isValidName(value: string): boolean {
  return NAME_PATTERN.test(value);
}

function checked(kind: "topic" | "agent" | "tag", value: string): string {
  const normalized = normalizeName(value);
  if (!isValidName(normalized)) {
    throw new EventLogError(
      "fmail_invalid_name",
      `fmail ${kind} name ${JSON.stringify(value)} is invalid: use ${RULE}`,
    );
  }
  return normalized;
}

/** Normalised topic name; throws `fmail_invalid_name` when it breaks fmail's rule. */
export function normalizeTopic(topic: string): string {
  return checked("topic", topic);
}

/** Normalised agent name; throws `fmail_invalid_name` (note `loop:coder-1` is invalid). */
export function normalizeAgent(agent: string): string {
  return checked("agent", agent);
}

/**
 * fmail's tag rule: trim + lower-case each tag, skip empty ones, reject an invalid or
 * over-long (> 50 chars) tag, de-duplicate keeping first-seen order, reject more than 10.
 * fmail rejects rather than drops, and so does this (code `fmail_invalid_name`).
 */
export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = normalizeName(raw);
    if (tag === "") continue;
    if (tag.length > MAX_TAG_LENGTH) {
      throw new EventLogError(
        "fmail_invalid_name",
        `fmail tag ${JSON.stringify(raw)} is ${tag.length} chars long: fmail allows at most ${MAX_TAG_LENGTH}`,
      );
    }
    checked("tag", tag);
    if (!out.includes(tag)) out.push(tag);
  }
  if (out.length > MAX_TAGS) {
    throw new EventLogError(
      "fmail_invalid_name",
      `a message has ${out.length} distinct tags: fmail allows at most ${MAX_TAGS}; drop some`,
    );
  }
  return out;
}

/**
 * Turn any text into a valid fmail name: lower-case, every run of other characters
 * becomes one '-', no leading/trailing '-', at most `maxLength` chars. Never throws;
 * text with nothing usable gives `fallback`.
 */
export function slugName(value: string, fallback = "unnamed", maxLength = MAX_TAG_LENGTH): string {
  const slug = normalizeName(value)
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxLength)
    .replace(/-+$/g, "");
  return slug === "" ? fallback : slug;
}

/**
 * The fmail agent a loop publishes as: `loop-<slug of the loop name>`, e.g. `coder-1` →
 * `loop-coder-1`. A leading `loop:` is dropped first (`loop:coder-1` is not a valid fmail
 * name: `:` is not allowed).
 */
export function loopAgentName(loop: string): string {
  const bare = loop.trim().replace(/^loop:/i, "");
  return `loop-${slugName(bare, "unnamed")}`;
}
