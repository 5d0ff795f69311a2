/** `\uXXXX` (lower-case hex) for one UTF-16 code unit, as both Python and Go escape it. */
export function unicodeEscape(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Orders strings by Unicode code point: Python sorts str keys this way, and Go sorts map keys
 * by their UTF-8 bytes, which is the same order. JavaScript's default sort compares UTF-16
 * units, which puts astral characters (U+10000 and up) before U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}
