import { expect, test } from "bun:test";
import { toOccurredAt } from "../../src/store/time.ts";

test("occurred_at: the same text gives the same time, and a bad time is refused every time", () => {
  const refused = (text: string) => {
    try {
      toOccurredAt(text);
      return "accepted";
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  expect(refused("")).toBe("invalid_event");
  const ts = "2026-06-02T12:34:56.789Z";
  expect(toOccurredAt(ts)).toBe("2026-06-02T12:34:56.789000+00:00");
  expect(toOccurredAt(ts)).toBe("2026-06-02T12:34:56.789000+00:00");
  expect(refused("2026-02-30T00:00:00Z")).toBe("invalid_event");
  expect(refused("2026-02-30T00:00:00Z")).toBe("invalid_event");
  expect(toOccurredAt("2026-06-02T14:34:56.123456+02:00")).toBe("2026-06-02T12:34:56.123456+00:00");
  expect(toOccurredAt(ts)).toBe("2026-06-02T12:34:56.789000+00:00");
  expect(toOccurredAt(new Date(ts))).toBe("2026-06-02T12:34:56.789000+00:00");
  expect(refused("")).toBe("invalid_event");
});
