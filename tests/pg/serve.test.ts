/** `serve` on a PostgreSQL log that two runners shipped into. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import { realisticLines, writeLines } from "../follow/legacy-lines.ts";
import { cli, jsonLines, waitFor } from "../helpers.ts";
import { serve } from "../serve/serve-process.ts";
import { dropSchemas, freshSchema } from "./pg-server.ts";

let url: string;
let dir: string;
const RUNNERS = ["runner-a", "runner-b"];
const db = (r: string) => join(dir, `${r}.db`);

const ship = async (r: string) =>
  expect((await cli(["ship", "--db", db(r), "--to", url, "--source", r])).code).toBe(0);

beforeAll(async () => {
  ({ url } = await freshSchema("serve"));
  dir = mkdtempSync(join(tmpdir(), "fel-pgserve-"));
  for (const r of RUNNERS) {
    const jsonl = join(dir, `${r}.jsonl`);
    writeLines(jsonl, realisticLines(200));
    expect((await cli(["mirror", jsonl, "--db", db(r)])).code).toBe(0);
    await ship(r);
  }
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas();
});

const localEvents = async (r: string) =>
  jsonLines((await cli(["replay", "--db", db(r), "--json"])).stdout);

/** An open /sse stream, its text read as it arrives. */
async function openStream(at: string) {
  const stop = new AbortController();
  const res = await fetch(`${at}sse`, { signal: stop.signal });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const stream = { text: "", close: () => stop.abort() };
  const decoder = new TextDecoder();
  (async () => {
    for await (const chunk of res.body as ReadableStream<Uint8Array>) {
      stream.text += decoder.decode(chunk, { stream: true });
    }
  })().catch(() => undefined);
  await waitFor("the stream's first frame", () => stream.text.includes(": following after"));
  return stream;
}

/** The events of an SSE text, in order. */
const frames = (text: string) =>
  [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

/** A new event in runner `r`'s local log, shipped into PostgreSQL; its event_id. */
async function landEvent(r: string, issue: number): Promise<string> {
  const store = await EventStore.open(db(r));
  try {
    return store.append("task.heartbeat", { issue, note: `from ${r}` }).event.event_id;
  } finally {
    store.close();
    await ship(r);
  }
}

test("a log of several runners needs --source; an unknown one is one line, exit 2", async () => {
  const none = await cli(["serve", "--db", url, "--port", "0"]);
  expect(none.code).toBe(2);
  expect(none.stderr.trim().split("\n")).toHaveLength(1);
  expect(none.stderr).toContain("pick one with --source (runner-a, runner-b)");
  const unknown = await cli(["serve", "--db", url, "--source", "runner-z", "--port", "0"]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
  expect(unknown.stderr).toContain('no runner "runner-z" shipped into');
  expect(unknown.stderr).toContain("the runners: runner-a, runner-b");
});

test("/, /events, /metrics and /healthz show the chosen runner's loop", async () => {
  const s = await serve(url, ["--source", "runner-a"]);
  try {
    const all = jsonLines((await cli(["replay", "--db", url, "--json"])).stdout);
    expect(await (await fetch(`${s.url}healthz`)).text()).toBe(`ok ${all.length}\n`);

    const own = await localEvents("runner-a");
    const page = await (await fetch(s.url)).text();
    expect(page).toContain(` · ${own.length} events · `);
    expect(page).toContain(`data-live-after="${all.length}"`);

    // runner-a's events, as 'replay --json' prints them from the PostgreSQL log.
    const events = await fetch(`${s.url}events?since=0`);
    expect(events.headers.get("content-type")).toBe("application/x-ndjson");
    const served = jsonLines(await events.text());
    expect(served.map((e) => e.event_id)).toEqual(own.map((e) => e.event_id));
    const ids = new Set(served.map((e) => e.event_id));
    expect(served).toEqual(all.filter((e) => ids.has(e.event_id)));
    const limited = jsonLines(await (await fetch(`${s.url}events?since=0&limit=3`)).text());
    expect(limited).toEqual(served.slice(0, 3));

    const metrics = await (await fetch(`${s.url}metrics`)).text();
    const local = (await cli(["metrics", "--db", db("runner-a")])).stdout;
    const line = (text: string, name: string) =>
      text.split("\n").find((l) => l.startsWith(`${name} `));
    for (const name of ["forge_eventlog_ticks_total", "forge_eventlog_merges_total"]) {
      expect(line(metrics, name)).toBeDefined();
      expect(line(metrics, name)).toBe(line(local, name));
    }
    expect(line(metrics, "forge_eventlog_events_total")).toBe(
      `forge_eventlog_events_total ${own.length}`,
    );
    // A PostgreSQL log has no mirror, quarantine or file of its own.
    expect(metrics).not.toContain("forge_eventlog_database_size_bytes");
    expect(metrics).not.toContain("forge_eventlog_mirror_lag_bytes");
  } finally {
    expect(await s.stop()).toBe(0);
  }
});

test("two open streams are both pushed the runner's new event, not the other runner's", async () => {
  const s = await serve(url, ["--source", "runner-a"]);
  const streams = [await openStream(s.url), await openStream(s.url)];
  try {
    const other = await landEvent("runner-b", 9001);
    const mine = await landEvent("runner-a", 9002);
    for (const [i, stream] of streams.entries()) {
      await waitFor(`stream ${i} to be pushed the new event`, () =>
        frames(stream.text).some((e) => e.event_id === mine),
      );
      const pushed = frames(stream.text);
      expect(pushed.map((e) => e.event_id)).toEqual([mine]);
      expect(pushed.some((e) => e.event_id === other)).toBe(false);
    }
    // And again: each stream goes on waiting after its wake-up.
    const next = await landEvent("runner-a", 9003);
    for (const [i, stream] of streams.entries()) {
      await waitFor(`stream ${i} to be pushed the second event`, () =>
        frames(stream.text).some((e) => e.event_id === next),
      );
      expect(frames(stream.text).map((e) => e.event_id)).toEqual([mine, next]);
    }
  } finally {
    for (const stream of streams) stream.close();
    expect(await s.stop()).toBe(0);
  }
});
