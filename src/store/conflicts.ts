import { sha256Hex } from "../encoding/sha256.ts";
import type { StoreContext } from "./context.ts";
import { reading } from "./read.ts";
import {
  CONFLICT_COUNT,
  CONFLICT_INSERT,
  CONFLICT_LIST,
  KEY_COUNT_IN_RANGE,
  KEY_EXISTS,
  KEY_IN_RANGE,
  KEYS_OF_TASK_KIND,
} from "./schema/conflicts.ts";
import { hasTable } from "./tables.ts";

/** An event refused because its key was already stored with other content. */
export interface ConflictInput {
  idempotencyKey: string;
  existingSequence: number;
  kind: string;
  payloadJson: string;
  occurredAt?: string | null;
  /** The JSONL file, or `plugin` for a record from a hook; null when unknown. */
  source?: string | null;
  lineNumber?: number | null;
}

export interface ConflictRow {
  id: number;
  idempotency_key: string;
  existing_sequence: number;
  kind: string;
  payload_json: string;
  occurred_at: string | null;
  source: string | null;
  line_number: number | null;
  recorded_at: string;
}

/** Stores a conflict (the same refused event seen again is kept once). Inside the caller's transaction. */
export function recordConflict(ctx: StoreContext, c: ConflictInput): boolean {
  const digest = sha256Hex(c.payloadJson);
  const r = ctx
    .stmt(CONFLICT_INSERT)
    .run(
      c.idempotencyKey,
      c.existingSequence,
      c.kind,
      c.payloadJson,
      digest,
      c.occurredAt ?? null,
      c.source ?? null,
      c.lineNumber ?? null,
      new Date().toISOString(),
    );
  return r.changes > 0;
}

/** False for a database from before the table (read-only, or another tool's). */
export function listConflicts(ctx: StoreContext, limit: number): ConflictRow[] {
  return reading(ctx, "listing conflicts", () => {
    if (!hasTable(ctx, "conflicts")) return [];
    return ctx
      .stmt(CONFLICT_LIST)
      .all<ConflictRow & Record<string, unknown>>(limit)
      .map((r) => ({
        ...r,
        id: Number(r.id),
        existing_sequence: Number(r.existing_sequence),
        line_number: r.line_number == null ? null : Number(r.line_number),
      }));
  });
}

export function countConflicts(ctx: StoreContext): number {
  return reading(ctx, "counting conflicts", () =>
    hasTable(ctx, "conflicts") ? Number(ctx.stmt(CONFLICT_COUNT).get<{ n: number }>()?.n ?? 0) : 0,
  );
}

/** The first string after every string that starts with `prefix` (for an index range). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

export function hasKey(ctx: StoreContext, key: string): boolean {
  return reading(ctx, "looking up an idempotency key", () => ctx.stmt(KEY_EXISTS).get(key) != null);
}

/** Whether some stored key starts with `prefix`: one seek on the key index. */
export function hasKeyPrefix(ctx: StoreContext, prefix: string): boolean {
  return reading(
    ctx,
    "looking up idempotency keys",
    () => ctx.stmt(KEY_IN_RANGE).get(prefix, prefixEnd(prefix)) != null,
  );
}

/** How many stored keys start with `prefix` (a range of the key index). */
export function countKeyPrefix(ctx: StoreContext, prefix: string): number {
  return reading(ctx, "counting idempotency keys", () =>
    Number(ctx.stmt(KEY_COUNT_IN_RANGE).get<{ n: number }>(prefix, prefixEnd(prefix))?.n ?? 0),
  );
}

/** The keys starting with `prefix` of one task's events of one kind (the task_id index). */
export function keysOfTask(
  ctx: StoreContext,
  taskId: string,
  kind: string,
  prefix: string,
): string[] {
  return reading(ctx, "looking up a task's keys", () =>
    ctx
      .stmt(KEYS_OF_TASK_KIND)
      .all<{ idempotency_key: string }>(taskId, kind, prefix, prefixEnd(prefix))
      .map((r) => r.idempotency_key),
  );
}
