import { EventLogError } from "../errors.ts";

/**
 * The contract's cursor rules, whatever the engine: a cursor has a non-empty name and a whole
 * sequence >= 0; it may not move below its current value (unless `rewind`, the operator's
 * escape hatch for rebuilding a projection) nor past the latest sequence.
 */
export function checkCursorTarget(name: string, sequence: number): void {
  if (typeof name !== "string" || name.trim() === "") {
    throw new EventLogError("cursor_invalid", "a projection cursor needs a non-empty name");
  }
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new EventLogError(
      "cursor_invalid",
      `cursor ${name}: sequence ${sequence} is not a whole number >= 0`,
    );
  }
}

export function checkCursorMove(
  name: string,
  move: { current: number; sequence: number; head: number; rewind?: boolean | undefined },
): void {
  const { current, sequence, head } = move;
  if (sequence < current && !move.rewind) {
    throw new EventLogError(
      "cursor_backwards",
      `cursor ${name} is at ${current}; moving it back to ${sequence} needs an explicit rewind (cursors set --rewind)`,
    );
  }
  if (sequence > head) {
    throw new EventLogError(
      "cursor_ahead",
      `cursor ${name} cannot move to ${sequence}: the latest event is ${head}`,
    );
  }
}
