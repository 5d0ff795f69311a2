import type { ReadLog } from "../../store/read-log.ts";
import { usageError } from "../framework/errors.ts";

/** `--source <name>` of the commands that show one runner's loop (report, serve). */
export function sourceArg(what: string) {
  return {
    type: "string",
    valueHint: "name",
    description: `PostgreSQL log: the runner (as shipped with --source) ${what}`,
  } as const;
}

/**
 * The runner a PostgreSQL log's report or live page shows: each source log is its own loop
 * (tick 7 of one runner is not tick 7 of another), so a log that several runners shipped into
 * needs --source.
 * Undefined for a SQLite file, and for a PostgreSQL log nothing was shipped into.
 */
export async function pickSource(
  store: ReadLog,
  given: string | undefined,
): Promise<string | undefined> {
  if (store.engine !== "postgres") {
    if (given !== undefined)
      throw usageError("--source picks a runner of a PostgreSQL log; drop it for a SQLite file");
    return undefined;
  }
  const sources = (await store.sources()).map((s) => s.source).filter((s) => s !== "");
  if (given !== undefined) {
    if (!sources.includes(given)) {
      throw usageError(
        `no runner ${JSON.stringify(given)} shipped into ${store.path}; the runners: ${sources.join(", ") || "none"}`,
      );
    }
    return given;
  }
  if (sources.length > 1) {
    throw usageError(
      `${store.path} holds ${sources.length} runners' logs; pick one with --source (${sources.join(", ")})`,
    );
  }
  return sources[0];
}
