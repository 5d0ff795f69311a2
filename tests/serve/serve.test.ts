import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { cli, tempDir } from "../helpers.ts";
import { demoDb } from "../views/demo-db.ts";
import { serve } from "./serve-process.ts";

describe("serve", () => {
  test("/events, /metrics and /healthz answer as replay --json and metrics do; SIGTERM exits 0", async () => {
    const db = await demoDb(tempDir());
    const before = readFileSync(db);
    const s = await serve(db);
    try {
      const events = await fetch(`${s.url}events?since=70`);
      expect(events.status).toBe(200);
      const replay = await cli(["replay", "--db", db, "--from", "71", "--json"]);
      expect(await events.text()).toBe(replay.stdout);
      const limited = await (await fetch(`${s.url}events?since=0&limit=2`)).text();
      expect(limited.trim().split("\n").length).toBe(2);
      const metrics = await fetch(`${s.url}metrics`);
      expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      const printed = await cli(["metrics", "--db", db]);
      expect(await metrics.text()).toBe(printed.stdout);
      expect(await (await fetch(`${s.url}healthz`)).text()).toBe("ok 75\n");
      const page = await (await fetch(s.url)).text();
      expect(page).toContain('data-live-after="75"');
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  test("bad query parameters get 400 and one line; writes get 405", async () => {
    const db = await demoDb(tempDir());
    const s = await serve(db);
    try {
      for (const [path, says] of [
        ["events?since=abc", 'since must be a whole number >= 0 (got "abc")'],
        ["events?since=-1", "since must be a whole number"],
        ["events?limit=0", "limit must be a whole number >= 1"],
        ["events?from=3", 'unknown parameter "from"; /events takes since, limit'],
        ["sse?after=x", "after must be a whole number"],
        ["healthz?verbose=1", "/healthz takes no parameters"],
      ] as const) {
        const r = await fetch(`${s.url}${path}`);
        expect(r.status).toBe(400);
        const body = await r.text();
        expect(body).toContain(says);
        expect(body.trim().split("\n").length).toBe(1);
      }
      expect((await fetch(`${s.url}events`, { method: "POST" })).status).toBe(405);
      expect((await fetch(`${s.url}nope`)).status).toBe(404);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  test("a port in use is one readable error", async () => {
    const db = await demoDb(tempDir());
    const s = await serve(db);
    try {
      const port = new URL(s.url).port;
      const r = await cli(["serve", "--db", db, "--port", port]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      await s.stop();
    }
  });

  test("--source on a SQLite file is one line, exit 2", async () => {
    const db = await demoDb(tempDir());
    const r = await cli(["serve", "--db", db, "--source", "runner-a", "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--source picks a runner of a PostgreSQL log");
  });
});
