import { EventLogError } from "../errors.ts";
import { renderTimelines } from "../replay/render-timeline.ts";
import {
  loopOf,
  type TaskTimeline,
  type TimelineSet,
  type Timelines,
  taskTimelineSchema,
} from "../replay/timeline-state.ts";
import type { StoredEvent } from "../store/record.ts";
import { displayWidth, truncateToWidth } from "../text/display-width.ts";
import { issueStory, renderStory } from "../views/issue-story.ts";
import { LoopFold } from "../views/loop-fold.ts";
import { renderSummary, summarizeLoop } from "../views/loop-summary.ts";
import { openReadLog, withReadLog } from "./common/database.ts";
import { delimitedRow, formatArgs, parseFormat } from "./common/formats.ts";
import { parseOptionalWhole } from "./common/options.ts";
import { jsonLine, LineWriter } from "./common/output.ts";
import { pagerArgs, withPager } from "./common/pager.ts";
import { parseWindow, readableTime, type TimeWindow, utcArgs, windowArgs } from "./common/time.ts";
import { defineCommand, globalArgs } from "./framework/command.ts";
import { usageError } from "./framework/errors.ts";
import { hyperlinksEnabled, log, terminalWidth } from "./framework/terminal.ts";

/** `--status failed,merged` → the words, lower-cased; undefined when not given. */
function parseStatuses(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const words = value
    .split(",")
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 0) throw usageError("--status needs a word, e.g. --status failed");
  return new Set(words);
}

/** Whether a task had events in the window: it started before its end and ended after its start. */
function activeIn(task: TaskTimeline, w: TimeWindow): boolean {
  const first = Date.parse(task.first_at);
  const last = Date.parse(task.last_at);
  return (w.until === undefined || first < w.until) && (w.since === undefined || last >= w.since);
}

/**
 * `story: a → b → c` on one line; on a terminal, broken after an arrow so no line is wider than
 * `width` (a step longer than the width is cut).
 */
function storyLines(story: string, width: number | undefined): string[] {
  const first = `story: ${story}`;
  if (width === undefined || displayWidth(first) <= width) return [first];
  const lines: string[] = [];
  let line = "story:";
  for (const [i, step] of story.split(" → ").entries()) {
    const piece = i === 0 ? ` ${step}` : ` → ${step}`;
    if (line !== "story:" && displayWidth(line + piece) > width) {
      lines.push(line);
      line = `      ${piece.trimStart()}`;
    } else line += piece;
  }
  lines.push(line);
  return lines.map((l) => truncateToWidth(l, width));
}

/** A task's columns for CSV and TSV: every field of the timeline, in the schema's order. */
const TASK_FIELDS = Object.keys(taskTimelineSchema.shape) as (keyof TaskTimeline)[];

/** A field as a spreadsheet cell: lists space-separated, null empty. */
function fieldText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return Array.isArray(value) ? value.join(" ") : String(value);
}

/**
 * The `{"loop": ...}` line, as `jsonLine` would print it, in pieces: the halts stream from the
 * stored rows instead of being gathered into one object first.
 */
async function loopJson(out: LineWriter, tag: object, set: TimelineSet): Promise<void> {
  const { last_sequence, ...counts } = set.loop;
  let text = `${jsonLine({ ...tag, loop: counts }).slice(0, -2)},"halts":[`;
  let first = true;
  for (const halt of set.halts()) {
    text += `${first ? "" : ","}${jsonLine(halt)}`;
    first = false;
    if (text.length >= 64 * 1024) {
      await out.part(text);
      text = "";
    }
  }
  await out.line(`${text}],"last_sequence":${jsonLine(last_sequence)}}}`);
}

/** Lines kept in the quarantine (a SQLite file's own table; a PostgreSQL log keeps none). */
async function quarantined(log: { store?: { countQuarantine(): number } }): Promise<number> {
  return log.store?.countQuarantine() ?? 0;
}

export default defineCommand({
  meta: {
    name: "timeline",
    description: "Task timelines rebuilt from the durable log (per issue), and the loop's halts",
  },
  args: {
    issue: { type: "string", valueHint: "n", description: "Only the timeline of issue <n>" },
    status: {
      type: "string",
      valueHint: "words",
      description:
        "Only tasks whose terminal state or status is one of these, comma-separated (failed, merged, open, ...)",
    },
    ...windowArgs,
    ...utcArgs,
    ...pagerArgs,
    ...formatArgs,
    source: {
      type: "string",
      valueHint: "name",
      description: "PostgreSQL log: only the runner shipped as <name> (default: each runner)",
    },
    verify: {
      type: "boolean",
      description:
        "Check each event's hash and chain link before using it; exit 1 at the first that breaks",
    },
    cache: {
      type: "boolean",
      default: true,
      description:
        "Keep the projection of a log it cannot be stored in (another writer's, read-only, PostgreSQL) in the timeline cache (--no-cache: fold from the first event in memory)",
    },
    ...globalArgs,
  },
  help: {
    examples: [
      "forge-eventlog timeline",
      "forge-eventlog timeline --issue 167",
      "forge-eventlog timeline --status failed,timeout --since 1d",
      "forge-eventlog timeline --json | jq 'select(.terminal == \"failed\")'",
      "forge-eventlog timeline --verify --issue 167",
    ],
    notes: [
      "Built by the stored timeline projection (cursor 'timeline'): each run applies only the events since the last, and stores the result when the database is writable. The plugin's writer and mirror --follow keep it up to date while idle. Shows ticks, planned, dispatches, watchdog progress, terminal state and status, critic verdicts, PR and whether it merged or was blocked, worktree reaped, last sequence.",
      "A log the projection cannot be stored in (another tool's database, never migrated by a reader; a read-only file whose projection was never built or must be rebuilt; each source of a PostgreSQL log) is never written: its projection is kept in a cache file of its own under $FORGE_EVENTLOG_CACHE_DIR (else $XDG_CACHE_HOME/forge-eventlog, else ~/.cache/forge-eventlog), so only the first run folds every event. A log replaced or restored under the same path is noticed and folded again; --no-cache folds from sequence 0 in memory, writing nothing.",
      '--json prints one task timeline per line, then one line {"loop": ...} with the tick counts and the halts (reason, tick, sequence, time). On a PostgreSQL log each line also names its "source", the runner it was shipped from (tick 7 of one runner is not tick 7 of another).',
      "--status keeps the tasks whose terminal state (completed, failed, compensated) or runner status (merged, open, timeout, ...) is one of the words; --since/--until those active in the window (a first or last event in it, or spanning it).",
      "Without --issue or --status, the table ends with the loop's totals: tasks by status, merged and the merge rate, failed by reason, blocked, median and p90 time to merge, cost and tokens, critic verdicts, halts. They take one pass over the log (--json skips them).",
      "With --issue, the table is followed by the issue's story in time order: planned, dispatched, watchdog, PR, critic verdicts, merge or failure.",
      "--verify rebuilds the timelines from the first event, in memory, checking each event's hash and chain link (the stored projection is neither read nor written); it exits 1 naming the first sequence that breaks.",
    ],
    exit1:
      "no such database, --issue names an issue the log never mentions, or --verify met an event whose hash or chain link breaks",
  },
  async run({ args }) {
    const issue = parseOptionalWhole(args.issue, "--issue", 0);
    const verifying = args.verify === true;
    const statuses = parseStatuses(args.status);
    const window = parseWindow(args);
    const utc = args.utc === true;
    const format = parseFormat(args);
    await withReadLog(
      openReadLog(args, { projection: !verifying, cache: args.cache !== false }),
      async (store) => {
        const bySource = await store.timelines({ verify: verifying, source: args.source });
        // A PostgreSQL log holds one timeline set per source log: tick 7 of runner A is not
        // tick 7 of runner B, so each is shown under its own name.
        const fleet = store.engine === "postgres";
        if (issue !== undefined) {
          for (const [source, t] of bySource) {
            const task = t.task(issue);
            if (task) bySource.set(source, { ...t, tasks: () => [task], task: () => task });
            else bySource.delete(source);
          }
          if (bySource.size === 0) {
            throw new EventLogError(
              "check_failed",
              `issue ${issue} does not appear in ${store.path}; list the issues with 'forge-eventlog timeline'`,
            );
          }
        }
        const wanted = (task: TaskTimeline) =>
          (!statuses || statuses.has(task.terminal ?? "") || statuses.has(task.status ?? "")) &&
          activeIn(task, window);
        let tasks = 0;
        await withPager(format === "table" && args.pager !== false, async (sink) => {
          const out = new LineWriter(sink);
          const width = terminalWidth();
          if (format === "csv" || format === "tsv") {
            await out.line(delimitedRow(format, [...(fleet ? ["source"] : []), ...TASK_FIELDS]));
          }
          for (const [source, set] of bySource) {
            const tag = fleet ? { source } : {};
            // Task by task from the stored rows: only the table needs them all at once.
            if (format === "csv" || format === "tsv") {
              for (const task of set.tasks()) {
                if (!wanted(task)) continue;
                tasks++;
                const cells = TASK_FIELDS.map((f) => fieldText(task[f]));
                await out.line(delimitedRow(format, fleet ? [source, ...cells] : cells));
              }
            } else if (format === "json") {
              for (const task of set.tasks()) {
                if (!wanted(task)) continue;
                tasks++;
                await out.line(jsonLine({ ...tag, ...task }));
              }
              await loopJson(out, tag, set);
            } else {
              const all: Timelines = { tasks: new Map(), loop: loopOf(set) };
              for (const task of set.tasks()) if (wanted(task)) all.tasks.set(task.issue, task);
              tasks += all.tasks.size;
              if (fleet) await out.line(`== ${source === "" ? "(written here)" : source} ==`);
              const shown = renderTimelines(all, {
                width,
                shortPrs: width !== undefined,
                hyperlinks: hyperlinksEnabled(),
                time: (at) => readableTime(at, utc, true),
              });
              for (const line of shown.split("\n")) await out.line(line);
              if (issue !== undefined && all.tasks.size > 0) {
                const events: StoredEvent[] = [];
                const from = fleet && source !== "" ? { source } : {};
                for await (const e of store.since(0, { taskId: `issue:${issue}`, ...from })) {
                  events.push(e);
                }
                await out.line("");
                for (const line of storyLines(renderStory(issueStory(events)), width)) {
                  await out.line(line);
                }
              }
              if (issue === undefined && statuses === undefined && all.tasks.size > 0) {
                const fold = new LoopFold({ storyIssues: 0 });
                const from = fleet && source !== "" ? { source } : {};
                for await (const e of store.since(0, from)) fold.apply(e);
                await out.line("");
                await out.line("Totals");
                for (const line of renderSummary(summarizeLoop(fold, await quarantined(store)))) {
                  const fits = width === undefined || displayWidth(`  ${line}`) <= width;
                  for (const part of fits ? [line] : line.split("; ")) {
                    await out.line(
                      width === undefined ? `  ${part}` : truncateToWidth(`  ${part}`, width),
                    );
                  }
                }
              }
            }
          }
          await out.flush();
        });
        if (tasks === 0) {
          log.info(
            statuses || window.since !== undefined || window.until !== undefined
              ? "no task matches"
              : "the log holds no task events yet",
          );
        }
      },
    );
  },
});
