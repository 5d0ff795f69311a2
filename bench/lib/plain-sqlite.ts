import { Database } from "bun:sqlite";
import { randomUUID } from "node:crypto";
import { orderedEventIds } from "../../src/store/event-ids.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import type { AppendInput } from "../../src/store/record.ts";

/**
 * The baseline: bun:sqlite used directly on the same `events` table (the store's own first
 * migration, so the same columns, UNIQUE constraints and index), WAL + synchronous NORMAL, one
 * cached INSERT. It does what a careful app without the store would do per event (a uuid, JSON
 * payload, ISO time) but no idempotency check, no hash chain and no canonical JSON. Its event
 * ids are the store's own time-ordered ones (like for like); `ids: "random"` uses uuid4s, to
 * show what random ids cost a plain insert.
 */
export class PlainEventTable {
  private readonly db: Database;
  private readonly insertStmt;
  private readonly replayStmt;
  private readonly nextId: () => string;
  private static readonly HASH = "0".repeat(64);

  constructor(file: string, options: { ids?: "ordered" | "random" } = {}) {
    this.nextId =
      options.ids === "random" ? () => randomUUID().replaceAll("-", "") : orderedEventIds();
    this.db = new Database(file, { create: true, readwrite: true, strict: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    const contract = MIGRATIONS[0];
    if (!contract) throw new Error("no contract migration");
    this.db.exec(contract.sql);
    this.insertStmt = this.db.prepare(
      `INSERT OR IGNORE INTO events (event_id, kind, payload_json, schema_version, occurred_at, task_id,
        saga_id, causal_event_id, causal_sequence, idempotency_key, prev_hash, event_hash)
        VALUES (?, ?, ?, 1, ?, ?, ?, NULL, NULL, ?, ?, ?)`,
    );
    this.replayStmt = this.db.prepare(
      "SELECT * FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?",
    );
  }

  insert(e: AppendInput): void {
    this.insertStmt.run(
      this.nextId(),
      e.kind,
      JSON.stringify(e.payload),
      new Date().toISOString(),
      e.taskId ?? null,
      e.sagaId ?? null,
      e.idempotencyKey ?? null,
      PlainEventTable.HASH,
      PlainEventTable.HASH,
    );
  }

  /** All events in one transaction. */
  insertBatch(events: readonly AppendInput[]): void {
    this.db.transaction(() => {
      for (const e of events) this.insert(e);
    })();
  }

  /** Up to `limit` events after `after` in sequence order, payloads parsed; returns how many. */
  replay(after: number, limit: number): number {
    let n = 0;
    const rows = this.replayStmt.iterate(after, limit) as IterableIterator<{
      payload_json: string;
    }>;
    for (const row of rows) {
      if (JSON.parse(row.payload_json) !== null) n++;
    }
    return n;
  }

  close(): void {
    this.db.close();
  }
}
