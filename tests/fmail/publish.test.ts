import { describe, expect, test } from "bun:test";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { isEventLogError } from "../../src/errors.ts";
import { publish } from "../../src/fmail/publish.ts";
import { readTopic } from "../../src/fmail/read.ts";
import { tempDir } from "../helpers.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "publish-many.ts");
// Spawning tests get room on a loaded machine; they normally take 0.5-3 s.

function spawnWriter(root: string, writer: string, count: number, bodyBytes = 0) {
  return Bun.spawn(
    [process.execPath, FIXTURE, root, "forge-events", writer, String(count), String(bodyBytes)],
    { stdout: "pipe", stderr: "pipe" },
  );
}

async function finished(proc: ReturnType<typeof spawnWriter>): Promise<void> {
  const code = await proc.exited;
  if (code !== 0)
    throw new Error(`writer exited ${code}: ${await new Response(proc.stderr).text()}`);
}

describe("publish", () => {
  test("writes <root>/.fmail/topics/<topic>/<id>.json with fmail's modes, creating the topic", () => {
    const root = tempDir();
    const { message, path } = publish(root, " Forge-Events ", {
      from: "Loop-Coder-1",
      body: { event: "loop_start" },
      time: new Date("2026-01-11T15:30:00Z"),
      tags: ["Loop", "loop"],
    });
    expect(path).toBe(join(root, ".fmail", "topics", "forge-events", `${message.id}.json`));
    expect(message).toMatchObject({
      from: "loop-coder-1",
      to: "forge-events",
      time: "2026-01-11T15:30:00Z",
      tags: ["loop"],
    });
    expect(message.id).toMatch(/^20260111-153000-\d{4}$/);
    expect(statSync(join(root, ".fmail", "topics", "forge-events")).mode & 0o777).toBe(0o755);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(root, ".fmail", "topics", "forge-events"))).toEqual([
      `${message.id}.json`,
    ]);
  });

  test("an ID clash regenerates the ID instead of overwriting", () => {
    const root = tempDir();
    const dir = join(root, ".fmail", "topics", "t");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "20260111-153000-0001.json"), "original");
    const ids = ["20260111-153000-0001", "20260111-153000-0001", "20260111-153000-0002"];
    const { message } = publish(
      root,
      "t",
      { from: "a", body: 1, id: ids[0] },
      { newId: () => ids.shift() ?? "x" },
    );
    expect(message.id).toBe("20260111-153000-0002");
    expect(readFileSync(join(dir, "20260111-153000-0001.json"), "utf8")).toBe("original");
    expect(readdirSync(dir).sort()).toEqual([
      "20260111-153000-0001.json",
      "20260111-153000-0002.json",
    ]);
  });

  test("gives up after 10 clashing IDs with fmail_write_failed", () => {
    const root = tempDir();
    publish(root, "t", { from: "a", body: 1, id: "same" });
    try {
      publish(root, "t", { from: "a", body: 1, id: "same" }, { newId: () => "same" });
      throw new Error("no error");
    } catch (e) {
      expect(isEventLogError(e, "fmail_write_failed")).toBe(true);
    }
    expect(readdirSync(join(root, ".fmail", "topics", "t"))).toEqual(["same.json"]);
  });

  test("a regular file where the topic folder should be fails with fmail_write_failed naming the path", () => {
    const root = tempDir();
    mkdirSync(join(root, ".fmail", "topics"), { recursive: true });
    writeFileSync(join(root, ".fmail", "topics", "forge-events"), "not a folder");
    try {
      publish(root, "forge-events", { from: "a", body: 1 });
      throw new Error("no error");
    } catch (e) {
      expect(isEventLogError(e, "fmail_write_failed")).toBe(true);
      expect((e as Error).message).toContain(join(root, ".fmail", "topics", "forge-events"));
      expect((e as Error).message).toMatch(/remove it|FMAIL_ROOT/);
    }
  });

  test("a topic folder symlinked outside the root is refused; nothing is written there", () => {
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(join(root, ".fmail", "topics"), { recursive: true });
    const link = join(root, ".fmail", "topics", "forge-events");
    symlinkSync(outside, link);
    let caught: unknown;
    try {
      publish(root, "forge-events", { from: "a", body: 1 });
    } catch (e) {
      caught = e;
    }
    expect(isEventLogError(caught, "fmail_write_failed")).toBe(true);
    const message = (caught as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toContain(link);
    expect(message).toContain("outside the fmail root");
    expect(message).toContain("replace the symlink with a real folder");
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a symlinked .fmail leading outside the root is refused before any folder is made", () => {
    const root = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(root, ".fmail"));
    expect(() => publish(root, "forge-events", { from: "a", body: 1 })).toThrow(
      /outside the fmail root/,
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a symlinked topic folder that stays inside the root still works", () => {
    const root = tempDir();
    mkdirSync(join(root, ".fmail", "topics", "real"), { recursive: true });
    symlinkSync(join(root, ".fmail", "topics", "real"), join(root, ".fmail", "topics", "alias"));
    publish(root, "alias", { from: "a", body: 1 });
    expect(readdirSync(join(root, ".fmail", "topics", "real")).length).toBe(1);
  });

  test("invalid names are refused before anything is written", () => {
    const root = tempDir();
    expect(() => publish(root, "bad topic", { from: "a", body: 1 })).toThrow(/topic/);
    expect(() => publish(root, "t", { from: "loop:coder-1", body: 1 })).toThrow(/agent/);
    expect(() => publish(root, "t", { from: "a", body: 1, id: "../escape" })).toThrow(/file name/);
    expect(() => readdirSync(join(root, ".fmail"))).toThrow();
  });

  test("two processes publishing 1,000 messages each at once: 2,000 distinct valid files", async () => {
    const root = tempDir();
    const writers = [spawnWriter(root, "writer-a", 1000), spawnWriter(root, "writer-b", 1000)];
    await Promise.all(writers.map(finished));
    const dir = join(root, ".fmail", "topics", "forge-events");
    const files = readdirSync(dir);
    expect(files.length).toBe(2000);
    expect(files.every((f) => f.endsWith(".json"))).toBe(true);
    const seen = new Set<string>();
    for (const f of files) {
      const msg = JSON.parse(readFileSync(join(dir, f), "utf8"));
      expect(`${msg.id}.json`).toBe(f);
      seen.add(`${msg.body.writer}:${msg.body.n}`);
    }
    expect(seen.size).toBe(2000);
    const { messages, skipped } = readTopic(root, "forge-events");
    expect(skipped).toEqual([]);
    expect(messages.length).toBe(2000);
  }, 60_000);

  test("a reader polling during heavy writes never meets a partial file", async () => {
    const root = tempDir();
    const dir = join(root, ".fmail", "topics", "forge-events");
    const writers = [
      spawnWriter(root, "writer-a", 150, 512 * 1024),
      spawnWriter(root, "writer-b", 150, 512 * 1024),
    ];
    let done = false;
    const all = Promise.all(writers.map(finished)).finally(() => {
      done = true;
    });
    let reads = 0;
    const bad: string[] = [];
    const read = new Set<string>();
    while (!done) {
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((f) => f.endsWith(".json") && !read.has(f));
      } catch {
        // topic folder not created yet
      }
      for (const f of names) {
        // Read each file as soon as it is listed: that is when a partial write would show.
        read.add(f);
        const text = readFileSync(join(dir, f), "utf8");
        reads++;
        try {
          JSON.parse(text);
        } catch {
          bad.push(`${f} (${text.length} bytes)`);
        }
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    await all;
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const left = readdirSync(dir);
    expect(left.length).toBe(300);
    expect(left.every((f) => f.endsWith(".json"))).toBe(true); // no temp files left behind
  }, 60_000);
});
