import { EventLogError } from "../errors.ts";
import { unsupportedRuntime } from "./support.ts";

// Imported first by the package's entry points: on a runtime without a built-in SQLite the
// import fails at once with one line naming the runtimes that work, not at the first open.
const problem = unsupportedRuntime();
if (problem !== undefined) throw new EventLogError("runtime_unsupported", problem);
