import { existsSync, statSync } from "node:fs";
import { type FollowLag, followLags } from "../follow/lag.ts";
import { KEY_FORMATS, UPSTREAM_KEY_PREFIX, V1_KEY_PREFIX } from "../mirror/idempotency-key.ts";
import type { CursorRow } from "../store/cursors.ts";
import type { EventStore } from "../store/event-store.ts";
import type { ReadLog } from "../store/read-log.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import {
  type Column,
  cursorColumns,
  formatBytes,
  jsonLine,
  LineWriter,
  renderTable,
} from "./common/output.ts";
import { readableTime, relativeAge, utcArgs } from "./common/time.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";

interface Stats {
  path: string;
  file_bytes: number;
  wal_bytes: number;
  schema_version: number;
  events: number;
  first_sequence: number | null;
  latest_sequence: number | null;
  first_occurred_at: string | null;
  last_occurred_at: string | null;
  kinds: Record<string, number>;
  /** Events refused because their key holds other content (`forge-eventlog conflicts`). */
  conflicts: number;
  /** Events by the writer their idempotency key names. */
  keys: { forge_eventlog: number; forge_eventlog_earlier: number; forge_loop: number };
  /** Writers mirroring into this log: forge-eventlog and/or forge-loop's own mirror. */
  writers: ("forge-eventlog" | "forge-loop")[];
  cursors: CursorRow[];
  /** Each JSONL file `mirror` follows: its saved position and how far behind it is. */
  followed: FollowLag[];
}

const fileSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);

function collect(store: EventStore): Stats {
  const range = store.eventRange();
  const kinds = store.eventsByKind();
  const keys = {
    forge_eventlog: KEY_FORMATS.reduce((n, format) => n + store.countKeyPrefix(format), 0),
    forge_eventlog_earlier: store.countKeyPrefix(V1_KEY_PREFIX),
    forge_loop: store.countKeyPrefix(UPSTREAM_KEY_PREFIX),
  };
  const writers: Stats["writers"] = [];
  if (keys.forge_eventlog + keys.forge_eventlog_earlier > 0) writers.push("forge-eventlog");
  if (keys.forge_loop > 0) writers.push("forge-loop");
  return {
    path: store.path,
    file_bytes: fileSize(store.path),
    wal_bytes: fileSize(`${store.path}-wal`),
    schema_version: store.schemaVersion(),
    events: range.count,
    first_sequence: range.firstSequence,
    latest_sequence: range.lastSequence,
    first_occurred_at: range.firstAt,
    last_occurred_at: range.lastAt,
    kinds: Object.fromEntries(kinds.map((k) => [k.kind, k.count])),
    conflicts: store.countConflicts(),
    keys,
    writers,
    cursors: store.listCursors(),
    followed: followLags(store),
  };
}

/** A PostgreSQL log's stats: no file, per-source counts instead. */
async function collectShared(log: ReadLog) {
  const range = await log.eventRange();
  return {
    path: log.path,
    events: range.count,
    first_sequence: range.firstSequence,
    latest_sequence: range.lastSequence,
    first_occurred_at: range.firstAt,
    last_occurred_at: range.lastAt,
    kinds: Object.fromEntries((await log.eventsByKind()).map((k) => [k.kind, k.count])),
    sources: await log.sources(),
    cursors: await log.listCursors(),
  };
}

function humanShared(s: Awaited<ReturnType<typeof collectShared>>, utc: boolean): string[] {
  const time = (t: string | null) => when(t, utc);
  const lines = [
    `database     ${s.path}`,
    `events       ${s.events === 0 ? "0" : `${s.events} (sequence ${s.first_sequence}..${s.latest_sequence})`}`,
    `first event  ${time(s.first_occurred_at)}`,
    `last event   ${time(s.last_occurred_at)}`,
    "",
    ...renderTable(s.sources, [
      { header: "SOURCE", value: (r) => r.source || "(written here)" },
      { header: "EVENTS", value: (r) => String(r.count), align: "right" },
    ]),
  ];
  lines.push(...kindsAndCursors(s));
  return lines;
}

/** The events by kind, then the projection cursors: what every log's stats end with. */
function kindsAndCursors(s: { kinds: Record<string, number>; cursors: CursorRow[] }): string[] {
  const lines: string[] = [];
  const kinds = Object.entries(s.kinds);
  if (kinds.length) {
    lines.push(
      "",
      ...renderTable(kinds, [
        { header: "KIND", value: ([k]) => k },
        { header: "EVENTS", value: ([, n]) => String(n), align: "right" },
      ]),
    );
  }
  lines.push("");
  if (s.cursors.length === 0) lines.push("no projection cursors");
  else lines.push(...renderTable(s.cursors, cursorColumns));
  return lines;
}

const bytes = (n: number) => (n < 1024 ? formatBytes(n) : `${formatBytes(n)} (${n} bytes)`);
const when = (t: string | null, utc: boolean): string => (t === null ? "-" : readableTime(t, utc));

function human(s: Stats, utc: boolean): string[] {
  const time = (t: string | null) => when(t, utc);
  const summary: [string, string][] = [
    ["database", s.path],
    ["file size", bytes(s.file_bytes)],
    ["wal size", bytes(s.wal_bytes)],
    ["schema", `version ${s.schema_version}`],
    [
      "events",
      s.events === 0 ? "0" : `${s.events} (sequence ${s.first_sequence}..${s.latest_sequence})`,
    ],
    ["first event", time(s.first_occurred_at)],
    ["last event", time(s.last_occurred_at)],
    ["conflicts", s.conflicts === 0 ? "0" : `${s.conflicts} (list them: forge-eventlog conflicts)`],
  ];
  if (s.writers.length === 2) {
    summary.push([
      "writers",
      `two: forge-eventlog (${s.keys.forge_eventlog + s.keys.forge_eventlog_earlier} events) and forge-loop's own mirror (${s.keys.forge_loop}); milestones forge-loop stored are not stored again, but disable one writer (docs/mirror.md)`,
    ]);
  }
  const width = Math.max(...summary.map(([k]) => k.length));
  const lines = summary.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push(...kindsAndCursors(s));
  lines.push("");
  if (s.followed.length === 0) lines.push("no followed JSONL files (forge-eventlog mirror <file>)");
  else lines.push(...renderTable(s.followed, followedColumns));
  return lines;
}

const count = (n: number) => String(n);

/** One row per followed file: where the mirror is, what it has not read yet, its rejects. */
const followedColumns: Column<FollowLag>[] = [
  { header: "FOLLOWED FILE", value: (f) => f.source },
  { header: "LINE", value: (f) => count(f.lineNumber), align: "right" },
  {
    header: "UNREAD",
    value: (f) => `${f.linesUnread} lines, ${formatBytes(f.bytesUnread)}`,
    align: "right",
  },
  { header: "ADVANCED", value: (f) => (f.lastAdvancedAt ? relativeAge(f.lastAdvancedAt) : "-") },
  { header: "NEXT", value: (f) => f.next },
  { header: "QUARANTINED", value: (f) => count(f.quarantined), align: "right" },
  { header: "CONFLICTS", value: (f) => count(f.conflicts), align: "right" },
];

export default defineCommand({
  meta: {
    name: "stats",
    description:
      "Events by kind, first/last time, file and WAL size, cursor lag, each followed file's lag",
  },
  args: { ...utcArgs, ...globalArgs },
  help: {
    examples: [
      "forge-eventlog stats",
      "forge-eventlog stats --json | jq .cursors",
      "forge-eventlog stats --json | jq '.followed[] | {source, linesUnread}'",
    ],
    notes: [
      "A cursor's lag is the number of events appended after it. Read-only.",
      "For each JSONL file mirror follows: its saved line, the lines and bytes not mirrored yet (counted over the files a mirror started now would read, rotated copies included), when the position last advanced, what the next run would do (resume, rotated, truncated, replaced, missing), and its quarantined lines and conflicts.",
    ],
  },
  async run({ args }) {
    await withReadLog(openReadLog(args), async (log) => {
      const out = new LineWriter();
      if (log.store) {
        const stats = collect(log.store);
        if (args.json) await out.line(jsonLine(stats));
        else for (const line of human(stats, args.utc === true)) await out.line(line);
      } else {
        const stats = await collectShared(log);
        if (args.json) await out.line(jsonLine(stats));
        else for (const line of humanShared(stats, args.utc === true)) await out.line(line);
      }
      await out.flush();
    });
  },
});
