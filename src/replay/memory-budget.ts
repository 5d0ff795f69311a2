import { GarbageBudget } from "../follow/memory.ts";

/**
 * The garbage a long read makes, in bytes, as measured on the bench log (how far the peak RSS
 * grew without forced collections): per folded event (its row's strings, its parsed
 * payload), per printed halt, and per byte of a printed task's stored text (parsed, printed,
 * encoded).
 */
export const GARBAGE = { foldedEvent: 1300, halt: 1000, taskByte: 6 } as const;

/**
 * One budget for the whole command: JavaScriptCore lets a busy heap grow with the rows read
 * before it collects (a fold of 264k events peaked at 164 MB RSS without forced collections),
 * and each forced collection costs 10-20 ms, so one every 10 MB of garbage keeps a timeline
 * under 100 MB with about 35 of them at 264k events (one every 5,000 rows was 75).
 */
export const readGarbage = new GarbageBudget(10 * 1024 * 1024);
