import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FmailMessage } from "../../src/fmail/message.ts";
import { publish } from "../../src/fmail/publish.ts";
import { formatJsonLine, formatLogLine, readTopic, watchTopic } from "../../src/fmail/read.ts";
import { tempDir, waitFor } from "../helpers.ts";

const event = (loop: string, name: string, tags: string[] = []) => ({
  from: `loop-${loop}`,
  body: { event: name, loop },
  tags: ["loop", loop, ...tags],
});

async function collect(it: AsyncIterable<FmailMessage>): Promise<FmailMessage[]> {
  const out: FmailMessage[] = [];
  for await (const m of it) out.push(m);
  return out;
}

describe("reading a topic", () => {
  test("readTopic lists messages in ID order and skips (and names) files that do not parse", () => {
    const root = tempDir();
    const b = publish(root, "forge-events", {
      ...event("b", "loop_stop"),
      id: "20260111-153001-0001",
    });
    const a = publish(root, "forge-events", {
      ...event("a", "loop_start"),
      id: "20260111-153000-0009",
    });
    const dir = join(root, ".fmail", "topics", "forge-events");
    writeFileSync(join(dir, "20260111-153000-0005.json"), '{"id": "half');
    writeFileSync(join(dir, "notes.txt"), "ignored");
    writeFileSync(join(dir, ".tmp-1-1-x.partial"), "ignored");
    const listing = readTopic(root, "forge-events");
    expect(listing.messages.map((m) => m.id)).toEqual([a.message.id, b.message.id]);
    expect(listing.skipped).toEqual(["20260111-153000-0005.json"]);
    expect(readTopic(root, "forge-events", { loop: "b" }).messages.map((m) => m.id)).toEqual([
      b.message.id,
    ]);
    expect(readTopic(root, "no-such-topic").messages).toEqual([]);
  });

  test("IDs and file names sort as Go compares strings (UTF-8 bytes = code points)", async () => {
    const root = tempDir();
    publish(root, "forge-events", event("a", "loop_start"));
    const dir = join(root, ".fmail", "topics", "forge-events");
    for (const id of ["\u{1F600}", "\uFFFD", "z"]) {
      const msg = { id, from: "x", to: "forge-events", time: "2026-01-11T15:30:00Z", body: id };
      writeFileSync(join(dir, `${id}.json`), JSON.stringify(msg));
    }
    // UTF-16 order would put U+1F600 (d83d de00) before U+FFFD.
    expect(
      readTopic(root, "forge-events")
        .messages.map((m) => m.id)
        .slice(-3),
    ).toEqual(["z", "\uFFFD", "\u{1F600}"]);
    const after = await collect(
      watchTopic(root, "forge-events", { sinceId: "\uFFFD", count: 1, timeoutMs: 1000 }),
    );
    expect(after.map((m) => m.id)).toEqual(["\u{1F600}"]);
  });

  test("watch with count 1 receives a message published after it started, not older ones", async () => {
    const root = tempDir();
    publish(root, "forge-events", event("coder-1", "loop_start"));
    const watcher = watchTopic(root, "forge-events", { count: 1, timeoutMs: 10_000 });
    const sent = publish(root, "forge-events", event("coder-1", "iteration_complete"));
    const got = await collect(watcher);
    expect(got.map((m) => m.id)).toEqual([sent.message.id]);
    expect(got[0]?.body).toEqual({ event: "iteration_complete", loop: "coder-1" });
  });

  test("watch picks up a message written while it is polling", async () => {
    const root = tempDir();
    const watcher = watchTopic(root, "forge-events", {
      count: 1,
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    let got: { id: string }[] | undefined;
    const pending = collect(watcher).then((messages) => {
      got = messages;
    });
    // Published until the watcher has one: nothing outside tells when its first look was taken.
    const sent: string[] = [];
    await waitFor("the watcher to pick a message up", async () => {
      if (got) return true;
      sent.push(publish(root, "forge-events", event("coder-1", "loop_error")).message.id);
      await new Promise((r) => setTimeout(r, 30));
      return got !== undefined;
    });
    await pending;
    expect(got).toHaveLength(1);
    expect(sent).toContain(got?.[0]?.id ?? "none");
  });

  test("watch filters by loop, event and tag", async () => {
    const root = tempDir();
    const watcher = watchTopic(root, "forge-events", {
      loop: "coder-1",
      event: "iteration_complete",
      tag: "Nightly",
      count: 1,
      timeoutMs: 10_000,
    });
    publish(root, "forge-events", event("coder-2", "iteration_complete", ["nightly"]));
    publish(root, "forge-events", event("coder-1", "loop_start", ["nightly"]));
    publish(root, "forge-events", event("coder-1", "iteration_complete"));
    const want = publish(root, "forge-events", event("coder-1", "iteration_complete", ["nightly"]));
    expect((await collect(watcher)).map((m) => m.id)).toEqual([want.message.id]);
  });

  test("watch from an ID replays newer messages already on disk; timeout ends it", async () => {
    const root = tempDir();
    const ids = ["20260111-153000-0001", "20260111-153000-0002", "20260111-153000-0003"];
    for (const id of ids) publish(root, "forge-events", { ...event("l", "loop_start"), id });
    const got = await collect(
      watchTopic(root, "forge-events", { sinceId: ids[0], timeoutMs: 250, intervalMs: 20 }),
    );
    expect(got.map((m) => m.id)).toEqual(ids.slice(1));
  });

  test("watch stops when its signal aborts", async () => {
    const root = tempDir();
    const ac = new AbortController();
    const pending = collect(watchTopic(root, "forge-events", { signal: ac.signal }));
    ac.abort();
    expect(await pending).toEqual([]);
  });

  test("fmail's line formats: human `<id> <from> -> <to>: <body>` and compact --json", () => {
    const root = tempDir();
    const { message } = publish(root, "forge-events", {
      from: "loop-coder-1",
      body: { loop: "coder-1", event: "loop_error", error: "a<b", will_retry: true },
      time: new Date("2026-01-11T15:30:00.5Z"),
      id: "20260111-153000-0001",
      tags: ["loop"],
    });
    const [read] = readTopic(root, "forge-events").messages;
    expect(read).toEqual(message);
    expect(formatLogLine(message)).toBe(
      '20260111-153000-0001 loop-coder-1 -> forge-events: {"error":"a\\u003cb","event":"loop_error","loop":"coder-1","will_retry":true}',
    );
    expect(formatJsonLine(message)).toBe(
      '{"id":"20260111-153000-0001","from":"loop-coder-1","to":"forge-events","time":"2026-01-11T15:30:00.5Z","body":{"error":"a\\u003cb","event":"loop_error","loop":"coder-1","will_retry":true},"tags":["loop"]}',
    );
    expect(formatLogLine({ ...message, body: "plain text" })).toBe(
      "20260111-153000-0001 loop-coder-1 -> forge-events: plain text",
    );
  });
});
