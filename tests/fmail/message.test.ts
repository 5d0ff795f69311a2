import { describe, expect, test } from "bun:test";
import { isEventLogError } from "../../src/errors.ts";
import { generateMessageId, isMessageId, parseMessageIdTime } from "../../src/fmail/id.ts";
import {
  encodeMessage,
  type FmailMessage,
  formatFmailTime,
  MAX_MESSAGE_BYTES,
  parseMessage,
} from "../../src/fmail/message.ts";

const text = (m: FmailMessage): string => new TextDecoder().decode(encodeMessage(m));

describe("fmail message encoding", () => {
  test("time is RFC 3339 UTC with a fraction only when non-zero, trailing zeros trimmed", () => {
    expect(formatFmailTime(new Date("2026-01-11T15:30:00.000Z"))).toBe("2026-01-11T15:30:00Z");
    expect(formatFmailTime(new Date("2026-01-11T15:30:00.500Z"))).toBe("2026-01-11T15:30:00.5Z");
    expect(formatFmailTime(new Date("2026-01-11T15:30:00.120Z"))).toBe("2026-01-11T15:30:00.12Z");
    expect(formatFmailTime(new Date("2026-01-11T15:30:00.123Z"))).toBe("2026-01-11T15:30:00.123Z");
    expect(formatFmailTime(new Date("2026-01-11T16:30:00+01:00"))).toBe("2026-01-11T15:30:00Z");
  });

  test("exact bytes: fmail field order, two-space indent, no trailing newline, omitempty", () => {
    const msg: FmailMessage = {
      tags: ["a", "b"],
      body: { z: 1, a: [], o: {} },
      host: "",
      time: "2026-01-11T15:30:00Z",
      to: "forge-events",
      from: "loop-coder-1",
      id: "20260111-153000-0001",
      priority: "high",
    };
    expect(text(msg)).toBe(
      [
        "{",
        '  "id": "20260111-153000-0001",',
        '  "from": "loop-coder-1",',
        '  "to": "forge-events",',
        '  "time": "2026-01-11T15:30:00Z",',
        '  "body": {',
        '    "z": 1,',
        '    "a": [],',
        '    "o": {}',
        "  },",
        '  "priority": "high",',
        '  "tags": [',
        '    "a",',
        '    "b"',
        "  ]",
        "}",
      ].join("\n"),
    );
    const bare = text({
      id: "x",
      from: "a",
      to: "t",
      time: "2026-01-11T15:30:00Z",
      body: "hi",
      tags: [],
    });
    expect(bare).toBe(
      '{\n  "id": "x",\n  "from": "a",\n  "to": "t",\n  "time": "2026-01-11T15:30:00Z",\n  "body": "hi"\n}',
    );
  });

  test("more than 1 MiB encoded is refused with fmail_too_large", () => {
    const base = { id: "x", from: "a", to: "t", time: "2026-01-11T15:30:00Z" };
    expect(() =>
      encodeMessage({ ...base, body: "y".repeat(MAX_MESSAGE_BYTES - 200) }),
    ).not.toThrow();
    try {
      encodeMessage({ ...base, body: "y".repeat(MAX_MESSAGE_BYTES) });
      throw new Error("no error");
    } catch (e) {
      expect(isEventLogError(e, "fmail_too_large")).toBe(true);
    }
  });

  test("parseMessage accepts fmail files and rejects broken ones", () => {
    const good = text({ id: "x", from: "a", to: "t", time: "2026-01-11T15:30:00.5Z", body: null });
    expect(parseMessage(good)?.body).toBeNull();
    expect(parseMessage(good.slice(0, -3))).toBeUndefined();
    expect(
      parseMessage('{"id":"x","from":"a","to":"t","time":"2026-01-11T15:30:00Z"}'),
    ).toBeUndefined();
    expect(
      parseMessage('{"id":"x","from":"a","to":"t","time":"yesterday","body":1}'),
    ).toBeUndefined();
  });
});

describe("fmail message IDs", () => {
  test("YYYYMMDD-HHMMSS-NNNN in UTC with an increasing per-process counter", () => {
    const t = new Date("2026-01-11T15:30:07.900Z");
    const a = generateMessageId(t);
    const b = generateMessageId(t);
    expect(a).toMatch(/^20260111-153007-\d{4}$/);
    expect(isMessageId(a)).toBe(true);
    expect(a).not.toBe(b);
    expect((Number(b.slice(-4)) - Number(a.slice(-4)) + 10000) % 10000).toBe(1);
  });

  test("the time prefix parses back (for gc); junk does not", () => {
    expect(parseMessageIdTime("20260111-153007-0042")?.toISOString()).toBe(
      "2026-01-11T15:30:07.000Z",
    );
    expect(parseMessageIdTime("20260111-153007-0042.json")?.getTime()).toBe(
      Date.parse("2026-01-11T15:30:07Z"),
    );
    expect(parseMessageIdTime("20260231-153007-0001")).toBeUndefined();
    expect(parseMessageIdTime("notes.json")).toBeUndefined();
    expect(isMessageId("20260111-153007")).toBe(false);
  });
});
