/**
 * forge-loop's upstream writers, reproduced for tests from the durable-log contract: the
 * `events` / `projection_cursors` shapes and the chain rules of each variant. Written apart
 * from src/ so the store is checked against the rules, not against itself.
 */
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";

export type Variant = "oldest" | "338" | "339";
export const GENESIS = "0".repeat(64);

const CONTRACT_TABLES = `
  CREATE TABLE IF NOT EXISTS events (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, payload_json TEXT NOT NULL, schema_version INTEGER NOT NULL,
    occurred_at TEXT NOT NULL, task_id TEXT, saga_id TEXT, causal_event_id TEXT,
    causal_sequence INTEGER, idempotency_key TEXT UNIQUE%CHAIN%);
  CREATE TABLE IF NOT EXISTS projection_cursors (
    projection_name TEXT PRIMARY KEY, sequence INTEGER NOT NULL);`;

/** The columns forge-loop's reader selects, in its order. */
export const CONTRACT_SELECT =
  "SELECT sequence, event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, causal_event_id, causal_sequence, idempotency_key FROM events ORDER BY sequence";

export const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const escapeAscii = (json: string) =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

export interface UpstreamEvent {
  kind: string;
  /** Flat object of strings and numbers; written sorted, compact, ASCII-escaped. */
  payload: Record<string, string | number>;
  taskId?: string | null;
  sagaId?: string | null;
  key?: string | null;
  occurredAt?: string;
  eventId?: string;
}

/** A row of the contract columns, encoded as the upstream writer stores them. */
export interface Fields {
  event_id: string;
  kind: string;
  payload_json: string;
  schema_version: number;
  occurred_at: string;
  task_id: string | null;
  saga_id: string | null;
  idempotency_key: string | null;
}

let counter = 0;
function fieldsOf(e: UpstreamEvent): Fields {
  const keys = Object.keys(e.payload).sort();
  const payload = `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(e.payload[k])}`).join(",")}}`;
  counter++;
  return {
    event_id: e.eventId ?? counter.toString(16).padStart(32, "e"),
    kind: e.kind,
    payload_json: escapeAscii(payload),
    schema_version: 1,
    occurred_at: e.occurredAt ?? "2026-06-02T12:34:56.789000+00:00",
    task_id: e.taskId ?? null,
    saga_id: e.sagaId ?? null,
    idempotency_key: e.key ?? null,
  };
}

/** #338: json.dumps([prev, fields...], separators=(",", ":"), ensure_ascii=False). */
export function linkedHash(prev: string, f: Fields, ensureAscii = false): string {
  const text = JSON.stringify([
    prev,
    f.event_id,
    f.kind,
    f.payload_json,
    f.schema_version,
    f.occurred_at,
    f.task_id,
    f.saga_id,
    f.idempotency_key,
  ]);
  return sha256(ensureAscii ? escapeAscii(text) : text);
}

/** #339: prev + json.dumps({fields}, sort_keys=True, separators=(",", ":")) (ASCII-escaped). */
export function sortedHash(prev: string, f: Fields): string {
  const keys: (keyof Fields)[] = [
    "event_id",
    "kind",
    "payload_json",
    "schema_version",
    "occurred_at",
    "task_id",
    "saga_id",
    "idempotency_key",
  ];
  const sorted = Object.fromEntries(keys.sort().map((k) => [k, f[k]]));
  return sha256(prev + escapeAscii(JSON.stringify(sorted)));
}

/** Creates the variant's tables (the #338 chain columns NOT NULL, as upstream made them). */
export function createUpstream(path: string, variant: Variant): void {
  const db = new Database(path);
  db.exec("PRAGMA journal_mode = WAL");
  const chain = variant === "338" ? ", prev_hash TEXT NOT NULL, event_hash TEXT NOT NULL" : "";
  db.exec(CONTRACT_TABLES.replace("%CHAIN%", chain));
  db.close();
}

/** Appends as the variant's writer does: only the contract columns, plus its chain columns. */
export function upstreamAppend(path: string, variant: Variant, events: UpstreamEvent[]): void {
  const db = new Database(path);
  try {
    db.exec("BEGIN IMMEDIATE");
    appendOn(db, variant, events);
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}

function appendOn(db: Database, variant: Variant, events: UpstreamEvent[]): void {
  const cols = new Set(
    (db.query("PRAGMA table_info(events)").all() as { name: string }[]).map((c) => c.name),
  );
  if (variant === "339" && !cols.has("chain_hash")) {
    db.exec("ALTER TABLE events ADD COLUMN chain_hash TEXT");
  }
  for (const e of events) insertUpstreamRow(db, variant, fieldsOf(e));
}

/** Inserts one row as the variant's writer does: the contract columns, plus its chain columns. */
export function insertUpstreamRow(db: Database, variant: Variant, f: Fields): void {
  const insert =
    "INSERT INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id, saga_id, idempotency_key";
  const base = [
    f.event_id,
    f.kind,
    f.payload_json,
    f.schema_version,
    f.occurred_at,
    f.task_id,
    f.saga_id,
    f.idempotency_key,
  ];
  if (variant === "oldest") {
    db.query(`${insert}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(...base);
  } else if (variant === "338") {
    const head = db.query("SELECT event_hash FROM events ORDER BY sequence DESC LIMIT 1").get() as {
      event_hash: string | null;
    } | null;
    const prev = head?.event_hash ?? GENESIS;
    db.query(`${insert}, prev_hash, event_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      ...base,
      prev,
      linkedHash(prev, f),
    );
  } else {
    const head = db.query("SELECT chain_hash FROM events ORDER BY sequence DESC LIMIT 1").get() as {
      chain_hash: string | null;
    } | null;
    const prev = head?.chain_hash ?? GENESIS;
    db.query(`${insert}, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      ...base,
      sortedHash(prev, f),
    );
  }
}

/**
 * Upstream's compaction: deletes noise rows at or below the slowest cursor (never the newest),
 * writes a compaction.performed event (its payload names no sequence span) and re-chains
 * every remaining row, in one transaction. Returns how many rows it removed.
 */
export function upstreamCompact(path: string, variant: "338" | "339"): number {
  const db = new Database(path);
  try {
    db.exec("BEGIN IMMEDIATE");
    const { s: slowest } = db.query("SELECT MIN(sequence) AS s FROM projection_cursors").get() as {
      s: number;
    };
    const removed = db
      .query(
        "DELETE FROM events WHERE kind IN ('task.heartbeat', 'worker.observation') AND sequence <= ? AND sequence < (SELECT MAX(sequence) FROM events)",
      )
      .run(slowest).changes;
    appendOn(db, variant, [{ kind: "compaction.performed", payload: { removed, below: slowest } }]);
    const rows = db.query("SELECT * FROM events ORDER BY sequence").all() as (Fields & {
      sequence: number;
    })[];
    let prev = GENESIS;
    for (const r of rows) {
      const h = variant === "338" ? linkedHash(prev, r) : sortedHash(prev, r);
      if (variant === "338") {
        db.query("UPDATE events SET prev_hash = ?, event_hash = ? WHERE sequence = ?").run(
          prev,
          h,
          r.sequence,
        );
      } else {
        db.query("UPDATE events SET chain_hash = ? WHERE sequence = ?").run(h, r.sequence);
      }
      prev = h;
    }
    db.exec("COMMIT");
    return removed;
  } finally {
    db.close();
  }
}
