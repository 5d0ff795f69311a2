import { Mirror } from "../mirror/mirror.ts";
import { orderedEventIds } from "../store/event-ids.ts";
import type { EventStore } from "../store/event-store.ts";
import type { QuarantinedLine } from "../store/quarantine.ts";
import {
  bytesAt,
  closeFile,
  digestOf,
  FINGERPRINT_MAX,
  type OpenFile,
  openFile,
  sameInode,
} from "./identity.ts";
import { planLines } from "./line-plan.ts";
import { type Line, LineReader } from "./line-reader.ts";

/** What retrying one quarantined line did. */
export type RetryOutcome =
  /** Mirrored now: `appended` new events (0 when they were stored meanwhile); the row is gone. */
  | { status: "mirrored"; appended: number; duplicates: number }
  /** A kind nobody maps: nothing to store, the row is gone. */
  | { status: "skipped"; kind: string }
  /** Still refused: the line as the file holds it now, and why. */
  | { status: "still_refused"; reason: string }
  /** Nothing to re-read: the file is gone, shorter than the line number, or the line came from a hook. */
  | { status: "unreadable"; reason: string };

export interface RetryResult {
  line: QuarantinedLine;
  outcome: RetryOutcome;
}

/** Line `lineNumber` (1-based) of `file`, as the follower reads it. */
function lineAt(file: OpenFile, lineNumber: number): Line | undefined {
  const reader = new LineReader(file.fd, 0, 0);
  const lines: Line[] = [];
  while (reader.lineNumber < lineNumber) {
    lines.length = 0;
    const got = reader.read(Math.min(10_000, lineNumber - reader.lineNumber), lines);
    if (got === 0) {
      const tail = reader.takeTail();
      return tail?.lineNumber === lineNumber ? tail : undefined;
    }
  }
  return lines.at(-1);
}

/** Where line `lineNumber` of `file` ends: the offset the follower resumes at after it. */
function offsetAfterLine(file: OpenFile, lineNumber: number): number | undefined {
  const reader = new LineReader(file.fd, 0, 0);
  const lines: Line[] = [];
  while (reader.lineNumber < lineNumber) {
    lines.length = 0;
    if (reader.read(Math.min(10_000, lineNumber - reader.lineNumber), lines) === 0)
      return undefined;
  }
  return reader.byteOffset;
}

/**
 * A fix that changed a line's length moves every byte after it: a follower's saved position
 * later in the same file is moved to the end of the same line number (its fingerprint
 * retaken), so the next `mirror` resumes after the same line, not in the middle of one.
 */
function realignPositions(store: EventStore, file: OpenFile): void {
  for (const p of store.listFollowPositions()) {
    if (!sameInode(p, file)) continue;
    const byteOffset = offsetAfterLine(file, p.lineNumber);
    if (byteOffset === undefined || byteOffset === p.byteOffset) continue;
    const fingerprintLength = Math.min(FINGERPRINT_MAX, byteOffset);
    const head = bytesAt(file, 0, fingerprintLength);
    if (!head) continue;
    store.saveFollowPosition({ ...p, byteOffset, fingerprintLength, fingerprint: digestOf(head) });
  }
}

/**
 * Re-reads a quarantined line from its file (after the operator fixed it) and mirrors it if
 * it now passes, dropping its quarantine row in the same transaction. Idempotent: the events'
 * keys keep a second mirror of the same line from doubling it, and a retried row is gone.
 */
export function retryQuarantined(store: EventStore, line: QuarantinedLine): RetryOutcome {
  if (line.lineNumber === null || line.source === "plugin") {
    return {
      status: "unreadable",
      reason: "it came through a runner hook, not from a file; nothing to re-read",
    };
  }
  const file = openFile(line.source);
  if (!file) return { status: "unreadable", reason: `${line.source} is gone` };
  try {
    const now = lineAt(file, line.lineNumber);
    if (!now) {
      return {
        status: "unreadable",
        reason: `${line.source} has no line ${line.lineNumber} any more`,
      };
    }
    const [plan] = planLines([now.text], orderedEventIds(), undefined, store.keyFormat());
    if (now.problem) return { status: "still_refused", reason: now.problem };
    if (!plan || plan.status === "blank")
      return { status: "still_refused", reason: "the line is blank" };
    if (plan.status === "malformed" || plan.status === "invalid") {
      return { status: "still_refused", reason: plan.reason };
    }
    const origin = {
      source: line.source,
      lineNumber: now.lineNumber,
      byteOffset: now.byteOffset,
      raw: now.text,
    };
    return store.transaction(() => {
      const outcome = new Mirror(store).applyPlan(plan, now.text, origin);
      store.releaseQuarantined(line.id);
      realignPositions(store, file);
      if (outcome.status === "skipped") return { status: "skipped", kind: outcome.kind };
      if (outcome.status !== "mirrored") return { status: "still_refused", reason: outcome.reason };
      return { status: "mirrored", appended: outcome.appended, duplicates: outcome.duplicates };
    }, "retrying a quarantined line");
  } finally {
    closeFile(file);
  }
}
