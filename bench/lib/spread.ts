/** Median and range of one figure over a benchmark's rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) throw new Error("spread of no values");
  const mid = Math.floor(v.length / 2);
  const median =
    v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  return { median, min: v[0] as number, max: v[v.length - 1] as number };
}

/** "median [min..max]" with `digits` decimals. */
export function showSpread(s: Spread, digits = 2): string {
  const f = (n: number) =>
    n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(s.median)} [${f(s.min)}..${f(s.max)}]`;
}

/**
 * Runs each side once per round, `rounds` times, rotating which side goes first (A B, B A,
 * ...), so load from elsewhere on the machine falls on every side alike.
 */
export async function alternate<S extends Record<string, () => unknown>>(
  rounds: number,
  sides: S,
): Promise<{ [K in keyof S]: Awaited<ReturnType<S[K]>>[] }> {
  const names = Object.keys(sides) as (keyof S & string)[];
  const out: Record<string, unknown[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length] as keyof S & string;
      out[name]?.push(await (sides[name] as () => unknown)());
    }
  }
  return out as { [K in keyof S]: Awaited<ReturnType<S[K]>>[] };
}

/** A fixed-width table: first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
