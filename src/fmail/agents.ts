import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { goJson } from "./gojson.ts";
import { formatFmailTime } from "./message.ts";
import { normalizeAgent, slugName } from "./names.ts";

/**
 * fmail's registry, so `fmail who` lists the loop agents: `.fmail/agents/<name>.json` holds
 * `{"name","host"?,"status"?,"first_seen","last_seen"}` (RFC 3339 UTC), written when an agent
 * first sends and refreshed on each send; `.fmail/project.json` holds `{"id","created"}`,
 * written once. Files are two-space pretty JSON without a trailing newline (0644, dirs 0755).
 */
export interface AgentEntry {
  name: string;
  host?: string;
  status?: string;
  first_seen: string;
  last_seen: string;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces `path` whole: a reader sees the old file or the new one, never half of one. */
function writeWhole(path: string, text: string): void {
  const tmp = join(path, `../.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw e;
  }
}

/** Registers or refreshes `name` under `root`; returns what the file now says. */
export function touchAgent(
  root: string,
  name: string,
  opts: { host?: string; status?: string; now?: Date } = {},
): AgentEntry {
  const agent = normalizeAgent(name);
  const dir = join(root, ".fmail", "agents");
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = join(dir, `${agent}.json`);
  const now = formatFmailTime(opts.now ?? new Date());
  const previous = readJson(file);
  const firstSeen = typeof previous?.first_seen === "string" ? previous.first_seen : now;
  const entry: AgentEntry = {
    name: agent,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.status ? { status: opts.status } : {}),
    first_seen: firstSeen,
    last_seen: now,
  };
  writeWhole(file, goJson(entry, { indent: "  " }));
  return entry;
}

/** Writes `.fmail/project.json` unless it exists (never overwritten, even by a racing writer). */
export function ensureProject(root: string, now: Date = new Date()): void {
  const dir = join(root, ".fmail");
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const project = { id: slugName(basename(root), "project"), created: formatFmailTime(now) };
  try {
    writeFileSync(join(dir, "project.json"), goJson(project, { indent: "  " }), {
      flag: "wx",
      mode: 0o644,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}
