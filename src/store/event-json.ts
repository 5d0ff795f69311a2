import {
  EVENT_COLUMNS,
  type EventColumn,
  type EventRow,
  INTEGER_COLUMNS,
} from "./event-columns.ts";

/**
 * An event as `replay --json`, `export` and `serve` write it: one JSON object on one line, the
 * contract's columns in table order with `payload` after `kind` in place of `payload_json`,
 * the payload as its stored text (the canonical JSON its hash covers: keys sorted, non-ASCII
 * as `\u` escapes, numbers with every digit stored), not as JavaScript would print it again.
 * Two renderings of that one form: `eventJsonLine` from a row read, and `eventJsonSql`, which
 * has SQLite write the same bytes while it reads.
 */

const PAYLOAD_AT = EVENT_COLUMNS.indexOf("payload_json");
const HEAD = EVENT_COLUMNS.slice(0, PAYLOAD_AT);
const TAIL = EVENT_COLUMNS.slice(PAYLOAD_AT + 1);

const objectOf = (keys: readonly EventColumn[]) =>
  new Function("e", `return { ${keys.map((k) => `${k}: e.${k}`).join(", ")} };`) as (
    e: EventRow,
  ) => Record<string, unknown>;
/** The columns before the payload, and those after it, each one object literal (compiled once). */
const eventHead = objectOf(HEAD);
const eventTail = objectOf(TAIL);

/** A payload text that spans lines (another writer's) cannot be written as it is. */
const spansLines = (text: string) => text.includes("\n") || text.includes("\r");

/** The event's line; its payload_json must be JSON (it is, in an event read: the reader checks). */
export function eventJsonLine(e: EventRow): string {
  const text = e.payload_json;
  const payload = spansLines(text) ? JSON.stringify(JSON.parse(text)) : text;
  return `${JSON.stringify(eventHead(e)).slice(0, -1)},"payload":${payload},${JSON.stringify(eventTail(e)).slice(1)}`;
}

/** SQLite's own test that a payload text is JSON and can be spliced in as it is. */
const PLAIN_PAYLOAD = [
  "json_valid(payload_json)",
  // json_valid reads a text only up to a NUL; JSON.parse refuses the rest.
  "instr(payload_json, char(0)) = 0",
  "instr(payload_json, char(10)) = 0",
  "instr(payload_json, char(13)) = 0",
].join(" AND ");

/**
 * SQL giving the row's line as `eventJsonLine` writes it, or NULL where SQLite cannot be sure
 * to write the same (`sure` is not 1, the payload is not JSON or spans lines): read that row
 * whole and give it to `eventJsonLine`. `present`: the table's columns (an absent one is NULL).
 * `concat`: whether this SQLite has concat() (3.44 and later); without it the same line is
 * made with `||`, which copies the growing line at each step.
 */
export function eventJsonSql(
  present: ReadonlySet<string>,
  sure: string,
  { concat }: { concat: boolean },
): string {
  const value = (c: EventColumn) => {
    if (!present.has(c)) return "'null'";
    // json_quote writes text as JSON.stringify does, and NULL as null.
    return INTEGER_COLUMNS.has(c) ? `coalesce(${c}, 'null')` : `json_quote(${c})`;
  };
  const field = (c: EventColumn, i: number) => [
    `'${i === 0 ? "{" : ","}${JSON.stringify(c)}:'`,
    value(c),
  ];
  const parts = [
    ...HEAD.flatMap(field),
    `',"payload":'`,
    "payload_json",
    ...TAIL.flatMap((c) => field(c, 1)),
    "'}'",
  ];
  // No part is NULL where the line is made (`sure` and PLAIN_PAYLOAD hold), so || is safe too.
  const line = concat ? `concat(${parts.join(", ")})` : parts.join(" || ");
  return `CASE WHEN (${sure}) AND ${PLAIN_PAYLOAD} THEN ${line} END`;
}
