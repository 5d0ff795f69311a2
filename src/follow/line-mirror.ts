import type { Mirror } from "../mirror/mirror.ts";
import type { LineOrigin } from "../store/quarantine.ts";
import type { LinePlan } from "./line-plan.ts";
import type { Line } from "./line-reader.ts";
import type { Stop } from "./stop.ts";

/**
 * Applies one line's plan inside the batch transaction: blank lines are counted; malformed
 * and invalid ones are quarantined under their file, line number and byte offset; records
 * go to the mirror. In strict mode a line that would be quarantined is not: apply returns the
 * stop at that line instead.
 */
export class LineMirror {
  constructor(
    private readonly target: Mirror,
    private readonly counts: { blankLines: number },
    private readonly strict: boolean,
  ) {}

  apply(prepared: LinePlan, line: Line, path: string): Stop | undefined {
    const plan: LinePlan = line.problem ? { status: "malformed", reason: line.problem } : prepared;
    switch (plan.status) {
      case "blank":
        this.counts.blankLines++;
        return undefined;
      case "malformed":
        if (this.strict) return strictStop(line, path, plan.reason);
        this.target.reject(line.text, plan.reason, origin(line, path));
        return undefined;
      case "invalid":
        if (this.strict) return strictStop(line, path, plan.reason);
        this.target.applyPlan(plan, line.text, origin(line, path));
        return undefined;
      default:
        // A conflict is stored with the line it came from.
        this.target.applyPlan(plan, line.text, origin(line, path));
        return undefined;
    }
  }
}

function origin(line: Line, path: string): LineOrigin {
  return { source: path, lineNumber: line.lineNumber, byteOffset: line.byteOffset, raw: line.text };
}

function strictStop(line: Line, path: string, reason: string): Stop {
  return {
    by: "strict",
    at: { file: path, lineNumber: line.lineNumber, byteOffset: line.byteOffset, reason },
  };
}
