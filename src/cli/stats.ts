import { existsSync, statSync } from "node:fs";
import { KEY_PREFIX, UPSTREAM_KEY_PREFIX, V1_KEY_PREFIX } from "../mirror/idempotency-key.ts";
import type { CursorRow } from "../store/cursors.ts";
import type { EventStore } from "../store/event-store.ts";
import { openRead, withStore } from "./common/database.ts";
import {
  cursorColumns,
  formatBytes,
  jsonLine,
  LineWriter,
  renderTable,
  shortTime,
} from "./common/output.ts";
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
}

const fileSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);

function collect(store: EventStore): Stats {
  const range = store.eventRange();
  const kinds = store.eventsByKind();
  const keys = {
    forge_eventlog: store.countKeyPrefix(KEY_PREFIX),
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
  };
}

const bytes = (n: number) => (n < 1024 ? formatBytes(n) : `${formatBytes(n)} (${n} bytes)`);
const time = (t: string | null) => (t === null ? "-" : `${shortTime(t)} UTC`);

function human(s: Stats): string[] {
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

export default defineCommand({
  meta: {
    name: "stats",
    description: "Events by kind, first/last time, file and WAL size, cursor lag",
  },
  args: { ...globalArgs },
  help: {
    examples: ["forge-eventlog stats", "forge-eventlog stats --json | jq .cursors"],
    notes: ["A cursor's lag is the number of events appended after it. Read-only."],
  },
  async run({ args }) {
    await withStore(openRead(args), async (store) => {
      const stats = collect(store);
      const out = new LineWriter();
      if (args.json) await out.line(jsonLine(stats));
      else for (const line of human(stats)) await out.line(line);
      await out.flush();
    });
  },
});
