import { z } from "zod";
import { EventLogError } from "../errors.ts";
import { DEFAULT_EMIT, LOOP_EVENT_NAMES } from "./events.ts";
import { isValidName, normalizeName } from "./names.ts";

export const DEFAULT_EVENTS_TOPIC = "forge-events";

const topicSchema = z
  .string()
  .refine((t) => isValidName(normalizeName(t)), {
    error: (iss) =>
      `events.topic ${JSON.stringify(iss.input)} is not a valid fmail topic: use lower-case letters a-z, digits 0-9 and '-' only (e.g. "${DEFAULT_EVENTS_TOPIC}")`,
  })
  .transform(normalizeName);

/**
 * The `events` config block (docs/fmail.md):
 * `{enabled, topic = "forge-events", emit = every event but iteration_start, loop?, pool?,
 * profile?, root?}`. `enabled` defaults to false: publishing writes files into the project.
 */
export const fmailEventsConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  topic: topicSchema.default(DEFAULT_EVENTS_TOPIC),
  emit: z
    .array(
      z.enum(LOOP_EVENT_NAMES, {
        error: (iss) =>
          `events.emit entry ${JSON.stringify(iss.input)} is not a loop event: use one of ${LOOP_EVENT_NAMES.join(", ")}`,
      }),
    )
    .default(() => [...DEFAULT_EMIT]),
  /** Loop name (body `loop`, agent `loop-<loop>`); else the runner's `label`. */
  loop: z.string().trim().min(1, "events.loop must not be empty").optional(),
  pool: z.string().trim().min(1).optional(),
  profile: z.string().trim().min(1).optional(),
  /** Project root holding `.fmail/`; else fmail's discovery from the working directory. */
  root: z.string().trim().min(1, "events.root must not be empty").optional(),
});

export type FmailEventsConfig = z.output<typeof fmailEventsConfigSchema>;
export type FmailEventsConfigInput = z.input<typeof fmailEventsConfigSchema>;

/** Validate an `events` block; throws `config_invalid` listing every problem. */
export function parseFmailEventsConfig(input: unknown): FmailEventsConfig {
  const parsed = fmailEventsConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const where = i.path.length > 0 ? `events.${i.path.join(".")}` : "events";
    return i.message.startsWith("events") ? i.message : `${where}: ${i.message}`;
  });
  throw new EventLogError("config_invalid", `invalid fmail events config: ${problems.join("; ")}`);
}
