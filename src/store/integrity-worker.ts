/**
 * verify's second thread: runs SQLite's PRAGMA integrity_check on a read-only connection of
 * its own while the main thread checks the hash chain. In: `{ path }`; out: `{ rows }` (the
 * check's lines) or `{ error }` (the main thread then runs the check itself, so a failure
 * reads as it always did).
 */
import { openContext } from "./open.ts";

declare const self: {
  onmessage: ((event: MessageEvent<{ path: string }>) => void) | null;
  postMessage(message: { rows: string[] } | { error: string }): void;
};

self.onmessage = async ({ data }) => {
  try {
    const ctx = await openContext(data.path, { readonly: true });
    try {
      const rows = ctx
        .stmt("PRAGMA integrity_check")
        .all<{ integrity_check: unknown }>()
        .map((r) => String(r.integrity_check));
      self.postMessage({ rows });
    } finally {
      ctx.sql.close();
    }
  } catch (e) {
    self.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
};
