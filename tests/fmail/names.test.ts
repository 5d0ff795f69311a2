import { describe, expect, test } from "bun:test";
import { isEventLogError } from "../../src/errors.ts";
import {
  loopAgentName,
  normalizeAgent,
  normalizeTags,
  normalizeTopic,
  slugName,
} from "../../src/fmail/names.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isEventLogError(e) ? e.code : "not an EventLogError";
  }
  return undefined;
}

describe("fmail names", () => {
  test("topics and agents are trimmed and lower-cased", () => {
    expect(normalizeTopic("  Forge-Events ")).toBe("forge-events");
    expect(normalizeAgent("Loop-Coder-1")).toBe("loop-coder-1");
  });

  test("invalid topics and agents are refused with fmail_invalid_name naming value and rule", () => {
    for (const bad of ["", "   ", "forge_events", "forge events", "a/b", "ümlaut"]) {
      expect(codeOf(() => normalizeTopic(bad))).toBe("fmail_invalid_name");
    }
    expect(codeOf(() => normalizeAgent("loop:coder-1"))).toBe("fmail_invalid_name");
    expect(() => normalizeAgent("loop:coder-1")).toThrow(/"loop:coder-1".*a-z, digits 0-9 and '-'/);
  });

  test("tags: normalised, empty ones skipped, deduplicated in first-seen order", () => {
    expect(normalizeTags([" Loop", "coder-1", "LOOP", "", "  ", "coder-1"])).toEqual([
      "loop",
      "coder-1",
    ]);
  });

  test("tags: invalid, longer than 50 chars, or more than 10 are refused as fmail does", () => {
    expect(codeOf(() => normalizeTags(["ok", "iteration_complete"]))).toBe("fmail_invalid_name");
    expect(normalizeTags(["a".repeat(50)])).toEqual(["a".repeat(50)]);
    expect(codeOf(() => normalizeTags(["a".repeat(51)]))).toBe("fmail_invalid_name");
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
    expect(normalizeTags([...ten, "t0"])).toEqual(ten);
    expect(codeOf(() => normalizeTags([...ten, "t10"]))).toBe("fmail_invalid_name");
  });

  test("loop names become valid agent names", () => {
    expect(loopAgentName("coder-1")).toBe("loop-coder-1");
    expect(loopAgentName("loop:coder-1")).toBe("loop-coder-1");
    expect(loopAgentName("Coder 1 / main")).toBe("loop-coder-1-main");
    expect(loopAgentName("***")).toBe("loop-unnamed");
    expect(() => normalizeAgent(loopAgentName("Ünïcode_Loop!"))).not.toThrow();
    expect(slugName("x".repeat(80)).length).toBe(50);
  });
});
