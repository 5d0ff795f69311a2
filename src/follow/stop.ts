import type { FollowSummary, StopReason } from "./summary.ts";

/** Where `--strict` stopped: the malformed line, which is neither mirrored nor quarantined. */
type StrictStop = NonNullable<FollowSummary["strictStop"]>;

/**
 * Why the follower stopped: the end of the file (without `follow`), the abort signal, or
 * `--strict` at a malformed line (after committing the lines before it).
 */
export type Stop = { by: Exclude<StopReason, "strict"> } | { by: "strict"; at: StrictStop };

export const END_OF_FILE: Stop = { by: "end_of_file" };
export const SIGNAL: Stop = { by: "signal" };
