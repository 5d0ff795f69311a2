import type { EncodedEvent } from "../store/append.ts";
import { ENCODED_COLUMNS, INTEGER_COLUMNS, NULLABLE_COLUMNS } from "../store/event-columns.ts";
import type { LinePlan } from "./line-plan.ts";

/**
 * Line plans packed for postMessage. Cloning costs per string far more than per byte, so each
 * line's strings are concatenated into one (`texts`, one per line: a few KB, which the
 * allocators reuse better than one big string per batch) and `slots` holds, in order: per line
 * a tag, then the reason, the kind, or the event count followed by each event's columns in
 * ENCODED_COLUMNS order, then the byte length of its chain tail. A string slot holds its
 * length, a number slot its value, NaN stands for null. The chain tails (which hold the
 * payload again, escaped: half of an event's bytes) go as UTF-8 in `tails`, one after another,
 * a buffer that is transferred, not copied: the receiver hashes them from there (chainHash)
 * and makes no string of them.
 */
export interface PackedPlans {
  texts: string[];
  slots: Float64Array;
  tails: Uint8Array;
}

const utf8 = new TextEncoder();

/** The events' chain tails as UTF-8, one after another, in a buffer that grows when it must. */
class TailBytes {
  bytes: Uint8Array;
  length = 0;

  /** `expected`: the tails' total length in UTF-16 units (their bytes when ASCII). */
  constructor(expected: number) {
    this.bytes = new Uint8Array(Math.max(16, expected));
  }

  /** Appends one tail; returns its byte length. */
  add(tail: string): number {
    for (;;) {
      const { read, written } = utf8.encodeInto(tail, this.bytes.subarray(this.length));
      if (read === tail.length) {
        this.length += written;
        return written;
      }
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + 3 * tail.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
  }
}

function tailText(e: EncodedEvent): string {
  if (typeof e.chain_tail !== "string")
    throw new TypeError("an event whose chain tail is already bytes cannot be packed again");
  return e.chain_tail;
}

enum Tag {
  Blank = 0,
  Malformed = 1,
  Invalid = 2,
  Skipped = 3,
  Events = 4,
}

const NUMERIC: ReadonlySet<string> = INTEGER_COLUMNS;
const NULLABLE: ReadonlySet<string> = NULLABLE_COLUMNS;

class Packer {
  readonly slots: number[] = [];
  readonly texts: string[] = [];
  private line = "";

  constructor(readonly tails: TailBytes) {}

  endLine(): void {
    this.texts.push(this.line);
    this.line = "";
  }

  number(n: number | null): void {
    this.slots.push(n ?? Number.NaN);
  }

  string(s: string | null): void {
    if (s === null) {
      this.slots.push(Number.NaN);
      return;
    }
    this.slots.push(s.length);
    this.line += s;
  }
}

export function packPlans(plans: readonly LinePlan[]): PackedPlans {
  let expected = 0;
  for (const plan of plans) {
    if (plan.status === "events") for (const e of plan.events) expected += tailText(e).length;
  }
  const p = new Packer(new TailBytes(expected));
  for (const plan of plans) {
    switch (plan.status) {
      case "blank":
        p.number(Tag.Blank);
        break;
      case "malformed":
        p.number(Tag.Malformed);
        p.string(plan.reason);
        break;
      case "invalid":
        p.number(Tag.Invalid);
        p.string(plan.reason);
        break;
      case "skipped":
        p.number(Tag.Skipped);
        p.string(plan.kind);
        break;
      case "events":
        p.number(Tag.Events);
        p.number(plan.events.length);
        for (const e of plan.events) {
          for (const f of ENCODED_COLUMNS) {
            const v = e[f];
            if (typeof v === "number") p.number(v);
            else p.string(v);
          }
          p.number(p.tails.add(tailText(e)));
        }
        break;
    }
    p.endLine();
  }
  return {
    texts: p.texts,
    slots: Float64Array.from(p.slots),
    tails: p.tails.bytes.subarray(0, p.tails.length),
  };
}

class Unpacker {
  private slot = 0;
  private line = -1;
  private text = "";
  private at = 0;
  private tailAt = 0;

  constructor(private readonly packed: PackedPlans) {}

  get done(): boolean {
    return this.slot >= this.packed.slots.length;
  }

  nextLine(): void {
    this.line++;
    this.text = this.packed.texts[this.line] ?? "";
    this.at = 0;
  }

  number(): number {
    return this.packed.slots[this.slot++] as number;
  }

  nullableNumber(): number | null {
    const n = this.number();
    return Number.isNaN(n) ? null : n;
  }

  string(): string {
    return this.nullableString() ?? "";
  }

  tail(): Uint8Array {
    const length = this.number();
    const tail = this.packed.tails.subarray(this.tailAt, this.tailAt + length);
    this.tailAt += length;
    return tail;
  }

  nullableString(): string | null {
    const length = this.number();
    if (Number.isNaN(length)) return null;
    const s = this.text.slice(this.at, this.at + length);
    this.at += length;
    return s;
  }
}

/** One event's slots, in packing order, as one object literal compiled from ENCODED_COLUMNS. */
const readEvent = new Function(
  "u",
  `return { ${ENCODED_COLUMNS.map((c) => {
    const read = NUMERIC.has(c) ? "Number" : "String";
    return `${c}: u.${NULLABLE.has(c) ? `nullable${read}` : read.toLowerCase()}()`;
  }).join(", ")}, chain_tail: u.tail() };`,
) as (u: Unpacker) => EncodedEvent;

export function unpackPlans(packed: PackedPlans): LinePlan[] {
  const plans: LinePlan[] = [];
  const u = new Unpacker(packed);
  while (!u.done) {
    u.nextLine();
    const tag = u.number() as Tag;
    if (tag === Tag.Blank) plans.push({ status: "blank" });
    else if (tag === Tag.Malformed) plans.push({ status: "malformed", reason: u.string() });
    else if (tag === Tag.Invalid) plans.push({ status: "invalid", reason: u.string() });
    else if (tag === Tag.Skipped) plans.push({ status: "skipped", kind: u.string() });
    else {
      const count = u.number();
      const events: EncodedEvent[] = [];
      for (let k = 0; k < count; k++) events.push(readEvent(u));
      plans.push({ status: "events", events });
    }
  }
  return plans;
}
