import type { z } from "zod";

/** True only when the value certainly passes the schema it was compiled from. */
export type FastCheck = (value: unknown) => boolean;

type Def = {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  innerType?: z.ZodType;
  values?: unknown[];
  element?: z.ZodType;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
};
type CheckDef = {
  check: string;
  format?: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
};

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Compiles a zod schema into a plain predicate, so a backfill checks a million records without
 * zod's per-call allocations (which cost more time and memory than the check). Only the
 * schema constructs the legacy schemas use are compiled, each with zod's own semantics; any
 * other construct (a refinement, a transform, an unknown check) makes the whole schema
 * uncompilable (undefined). The predicate may say false for a value zod accepts, never the
 * reverse: a false sends the value to zod, which decides and gives the reason.
 */
export function compileFastCheck(schema: z.ZodType): FastCheck | undefined {
  try {
    return compile(schema);
  } catch {
    return undefined;
  }
}

class Unsupported extends Error {}

function compile(schema: z.ZodType): FastCheck {
  const def = defOf(schema);
  const checks = def.checks ?? [];
  switch (def.type) {
    case "unknown":
    case "any":
      return () => true;
    case "optional": {
      const inner = compile(def.innerType as z.ZodType);
      return (v) => v === undefined || inner(v);
    }
    case "nullable": {
      const inner = compile(def.innerType as z.ZodType);
      return (v) => v === null || inner(v);
    }
    case "boolean":
      noChecks(checks);
      return (v) => typeof v === "boolean";
    case "string":
      return stringCheck(checks.map((c) => c._zod.def));
    case "number":
      return numberCheck(checks.map((c) => c._zod.def));
    case "literal": {
      const values = def.values ?? [];
      return (v) => values.includes(v);
    }
    case "array": {
      noChecks(checks);
      const element = compile(def.element as z.ZodType);
      return (v) => Array.isArray(v) && v.every(element);
    }
    case "union": {
      noChecks(checks);
      const options = (def.options ?? []).map(compile);
      return (v) => options.some((o) => o(v));
    }
    case "record": {
      noChecks(checks);
      const key = defOf(def.keyType as z.ZodType);
      if (key.type !== "string" || (key.checks ?? []).length > 0) throw new Unsupported();
      const value = compile(def.valueType as z.ZodType);
      return (v) => isPlainObject(v) && Object.values(v).every(value);
    }
    case "object":
      return objectCheck(def, checks);
    default:
      throw new Unsupported();
  }
}

function noChecks(checks: unknown[]): void {
  if (checks.length > 0) throw new Unsupported();
}

function stringCheck(checks: CheckDef[]): FastCheck {
  let min = 0;
  for (const c of checks) {
    if (c.check !== "min_length" || typeof c.minimum !== "number") throw new Unsupported();
    min = Math.max(min, c.minimum);
  }
  return (v) => typeof v === "string" && v.length >= min;
}

function numberCheck(checks: CheckDef[]): FastCheck {
  let int = false;
  let lowest = Number.NEGATIVE_INFINITY;
  let lowestIncluded = true;
  for (const c of checks) {
    if (c.check === "number_format" && c.format === "safeint") int = true;
    else if (c.check === "greater_than" && typeof c.value === "number") {
      lowest = c.value;
      lowestIncluded = c.inclusive === true;
    } else throw new Unsupported();
  }
  return (v) =>
    typeof v === "number" &&
    Number.isFinite(v) &&
    (!int || Number.isSafeInteger(v)) &&
    (lowestIncluded ? v >= lowest : v > lowest);
}

function objectCheck(def: Def, checks: unknown[]): FastCheck {
  noChecks(checks);
  // No catchall strips unknown keys and `unknown` keeps them: either way they pass.
  const catchall = def.catchall ? defOf(def.catchall).type : undefined;
  if (catchall !== undefined && catchall !== "unknown") throw new Unsupported();
  const fields = Object.entries(def.shape ?? {}).map(([key, s]) => [key, compile(s)] as const);
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const [key, check] of fields) if (!check(v[key])) return false;
    return true;
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
