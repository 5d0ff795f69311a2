import { expect, test } from "bun:test";
import { appendFileSync, closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Line, LineReader } from "../../src/follow/line-reader.ts";
import { tempDir } from "../helpers.ts";

function readAll(path: string, from = 0, line = 0, buffer?: number) {
  const fd = openSync(path, "r");
  try {
    const reader = new LineReader(fd, from, line, buffer);
    const lines: Line[] = [];
    while (reader.read(3, lines) > 0) {
      // three at a time, to cross batch boundaries
    }
    return { lines, reader };
  } finally {
    closeSync(fd);
  }
}

test("lines come with their byte offset and number; CRLF, a BOM and blank lines are handled", () => {
  const path = join(tempDir("fel-follow-"), "a.jsonl");
  writeFileSync(path, '\ufeff{"a": 1}\r\n\r\n{"b": "\u00e9"}\n\n{"c": 3}\r\n');
  const { lines, reader } = readAll(path);
  expect(lines.map((l) => l.text)).toEqual(['{"a": 1}', "", '{"b": "é"}', "", '{"c": 3}']);
  expect(lines.map((l) => l.lineNumber)).toEqual([1, 2, 3, 4, 5]);
  // The BOM is part of line 1's bytes; "é" is two bytes in UTF-8.
  expect(lines.map((l) => l.byteOffset)).toEqual([0, 13, 15, 27, 28]);
  expect(reader.byteOffset).toBe(38);
  expect(reader.lineNumber).toBe(5);
});

test("a torn last line waits for its newline; resuming from an offset numbers lines on", () => {
  const path = join(tempDir("fel-follow-"), "b.jsonl");
  writeFileSync(path, '{"a": 1}\n{"b": 2');
  const first = readAll(path);
  expect(first.lines.map((l) => l.text)).toEqual(['{"a": 1}']);
  expect(first.reader.pendingBytes).toBe(7);
  appendFileSync(path, '}\n{"c": 3}\n');
  const second = readAll(path, first.reader.byteOffset, first.reader.lineNumber);
  expect(second.lines).toEqual([
    { text: '{"b": 2}', byteOffset: 9, lineNumber: 2 },
    { text: '{"c": 3}', byteOffset: 18, lineNumber: 3 },
  ]);
});

test("a line longer than the buffer grows it; takeTail hands out an unterminated last line", () => {
  const path = join(tempDir("fel-follow-"), "c.jsonl");
  const long = `{"x": "${"y".repeat(5000)}"}`;
  writeFileSync(path, `${long}\nshort\n${long}`);
  const fd = openSync(path, "r");
  const reader = new LineReader(fd, 0, 0, 64);
  const lines: Line[] = [];
  reader.read(10, lines);
  expect(lines.map((l) => l.text.length)).toEqual([long.length, 5]);
  expect(reader.takeTail()).toEqual({ text: long, byteOffset: long.length + 7, lineNumber: 3 });
  expect(reader.takeTail()).toBeUndefined();
  closeSync(fd);
});

test("the reader keeps the file's first KiB as it read it, and a batch's last bytes whatever the buffer did", () => {
  const path = join(tempDir("fel-follow-"), "a.jsonl");
  const text = Array.from(
    { length: 400 },
    (_, i) => `{"n": ${i}, "pad": "${"x".repeat(i % 13)}"}\n`,
  ).join("");
  writeFileSync(path, text);
  const bytes = Buffer.from(text);
  for (const buffer of [64, 200, 4096]) {
    const fd = openSync(path, "r");
    try {
      const reader = new LineReader(fd, 0, 0, buffer);
      for (let batch = 0; ; batch++) {
        const lines: Line[] = [];
        if (reader.read(1 + (batch % 7), lines) === 0) break;
        const { offset, bytes: last } = reader.lastBytes(1024);
        expect(offset + last.length).toBe(reader.byteOffset);
        expect(last.length).toBe(Math.min(1024, reader.byteOffset));
        expect(last.equals(bytes.subarray(offset, reader.byteOffset))).toBe(true);
      }
      expect(reader.head.equals(bytes.subarray(0, 1024))).toBe(true);
    } finally {
      closeSync(fd);
    }
  }
  // Resumed with the first bytes it was given, it goes on filling them from what it reads.
  const fd = openSync(path, "r");
  try {
    const reader = new LineReader(fd, 300, 0, 64, bytes.subarray(0, 300));
    reader.read(1000, []);
    expect(reader.head.equals(bytes.subarray(0, 1024))).toBe(true);
  } finally {
    closeSync(fd);
  }
});

test("a line longer than the limit is handed out with a problem and only its start, skipped to its newline", () => {
  const path = join(tempDir("fel-follow-"), "a.jsonl");
  const long = `{"kind": "x", "blob": "${"y".repeat(5000)}"}`;
  writeFileSync(path, `{"a": 1}\n${long}\r\n{"b": 2}\n${long}`);
  const fd = openSync(path, "r");
  try {
    const reader = new LineReader(fd, 0, 0, 64, undefined, 300);
    const lines: Line[] = [];
    reader.read(10, lines);
    expect(lines.map((l) => [l.lineNumber, l.byteOffset])).toEqual([
      [1, 0],
      [2, 9],
      [3, 9 + long.length + 2],
    ]);
    expect(lines[1]?.problem).toBe(
      `a line of ${long.length} bytes is longer than the 300 bytes a line may have: quarantined with only its first ${lines[1]?.text.length} bytes, never mirrored`,
    );
    expect(long.startsWith(lines[1]?.text as string)).toBe(true);
    expect(lines[1]?.text.length).toBeGreaterThan(300);
    expect(lines[1]?.text.length).toBeLessThan(700);
    expect(lines[2]?.text).toBe('{"b": 2}');
    // The unterminated long tail waits like any torn line, then comes out whole as a problem.
    expect(reader.pendingBytes).toBe(long.length);
    const tail = reader.takeTail();
    expect(tail?.problem).toContain(`a line of ${long.length} bytes`);
    expect(reader.byteOffset).toBe(9 + long.length + 2 + 9 + long.length);
  } finally {
    closeSync(fd);
  }
});
