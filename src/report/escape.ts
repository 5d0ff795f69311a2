const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text from the log, made safe for HTML text and quoted attribute values alike. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** An http(s) URL as an href; anything else (javascript:, data:) is no link at all. */
export function safeHref(url: string | null): string | null {
  return url !== null && /^https?:\/\//i.test(url) ? esc(url) : null;
}
