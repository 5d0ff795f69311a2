import type { EventStore } from "../store/event-store.ts";
import { foldLog } from "../views/loop-fold.ts";
import { buildReport, type ReportLimits } from "./model.ts";
import { type PageOptions, renderPage } from "./page.ts";

export interface ReportOptions extends PageOptions {
  /** Only events that occurred at or after this instant. */
  since?: Date;
  /** Only this issue's lane, row and story (the summary still covers the whole loop). */
  issue?: number;
  limits?: Partial<ReportLimits>;
  now?: Date;
}

/** `2026-06-02T12:00:00.000000+00:00`: the form occurred_at is stored in, so text order is time order. */
export function occurredForm(d: Date): string {
  return d.toISOString().replace(/Z$/, "000+00:00");
}

/** The report page of a store: one pass over the log, from sequence 0 (or `since`). */
export function reportHtml(store: EventStore, options: ReportOptions = {}): string {
  const fold = foldLog(store.since(0), {
    since: options.since ? occurredForm(options.since) : undefined,
  });
  const model = buildReport(fold, {
    source: store.path,
    quarantined: store.countQuarantine(),
    now: options.now,
    limits: options.limits,
  });
  if (options.issue !== undefined) {
    model.rows = model.rows.filter((r) => r.timeline.issue === options.issue);
  }
  return renderPage(model, options);
}
