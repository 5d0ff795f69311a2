/**
 * What a record may hold to be stored: JSON that every reader reads back exactly. Runner
 * records nest three or four levels; anything past MAX_JSON_DEPTH is refused (so is a cycle).
 */
export const MAX_JSON_DEPTH = 64;

/** A number JSON text can carry: NaN and ±Infinity have no JSON form. */
export function isExactNumber(n: number): boolean {
  return Number.isFinite(n);
}

const LONG_DIGITS = /\d{16}/;

/**
 * The first integer literal in a JSON text that a JavaScript number cannot hold exactly
 * (beyond ±2^53: JSON.parse would round it), or null. Strings are skipped, so an id like
 * "20260602123456789" is not one. Cheap when the text has no run of 16 digits at all.
 */
export function inexactIntegerIn(text: string): string | null {
  if (!LONG_DIGITS.test(text)) return null;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) continue;
      const literal = m[0];
      if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(Number(literal))) {
        return literal;
      }
      i += literal.length - 1;
    }
  }
  return null;
}

/**
 * Why `value` has no exact JSON form, naming the first field at fault (`outcomes[0].cost_usd`),
 * or null when it has one. Iterative, so a deep value cannot overflow the stack here.
 */
export function jsonProblem(value: unknown, exactNumbers = true): string | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: "", depth: 0 }];
  const onPath = new Set<object>();
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    const where = path === "" ? "the record" : `field ${path}`;
    if (typeof v === "number" && exactNumbers && !isExactNumber(v)) {
      return `${where} holds ${v}, which JSON cannot carry (only Python reads it back)`;
    }
    if (v === null || typeof v !== "object") continue;
    if (onPath.has(v)) return `${where} is circular (it contains itself)`;
    if (depth >= MAX_JSON_DEPTH) return `${where} nests deeper than ${MAX_JSON_DEPTH} levels`;
    onPath.add(v);
    const entries = Array.isArray(v)
      ? v.map((item, i) => [`${path}[${i}]`, item] as const)
      : Object.entries(v).map(([k, item]) => [path === "" ? k : `${path}.${k}`, item] as const);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [p, item] = entries[i]!;
      stack.push({ v: item, path: p, depth: depth + 1 });
    }
  }
  return null;
}
