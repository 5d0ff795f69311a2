import { renameSync, rmSync, writeFileSync } from "node:fs";
import { EventLogError } from "../errors.ts";

/**
 * Writes `text` to `file` through a temporary sibling and a rename, so a reader (a browser,
 * node_exporter's textfile collector) never sees half a file. `flag` names the option for the
 * error message.
 */
export function replaceFile(file: string, text: string, flag = "--output"): void {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw new EventLogError(
      "input_invalid",
      `cannot write ${file} (${(e as Error).message}); check ${flag}`,
      { cause: e },
    );
  }
}
