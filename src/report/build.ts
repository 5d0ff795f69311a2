import type { ReadLog } from "../store/read-log.ts";
import { LoopFold } from "../views/loop-fold.ts";
import { buildReport, type ReportLimits } from "./model.ts";
import { type PageOptions, renderPage } from "./page.ts";

export interface ReportOptions extends PageOptions {
  /** Only events that occurred at or after this instant. */
  since?: Date;
  /** Only this issue's lane, row and story (the summary still covers the whole loop). */
  issue?: number;
  /** A PostgreSQL log: the runner (source log) to show; each runner is its own loop. */
  source?: string;
  limits?: Partial<ReportLimits>;
  now?: Date;
}

/** `2026-06-02T12:00:00.000000+00:00`: the form occurred_at is stored in, so text order is time order. */
export function occurredForm(d: Date): string {
  return d.toISOString().replace(/Z$/, "000+00:00");
}

/** The report page of a log: one pass over it, from sequence 0 (or `since`). */
export async function reportHtml(log: ReadLog, options: ReportOptions = {}): Promise<string> {
  const since = options.since ? occurredForm(options.since) : undefined;
  const fold = new LoopFold();
  const filter = options.source === undefined ? {} : { source: options.source };
  for await (const e of log.since(0, filter)) {
    if (since === undefined || e.occurred_at >= since) fold.apply(e);
  }
  const model = buildReport(fold, {
    source: options.source === undefined ? log.path : `${log.path} (${options.source})`,
    quarantined: log.store?.countQuarantine() ?? 0,
    now: options.now,
    limits: options.limits,
  });
  if (options.issue !== undefined) {
    model.rows = model.rows.filter((r) => r.timeline.issue === options.issue);
  }
  return renderPage(model, options);
}
