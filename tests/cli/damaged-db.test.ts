/**
 * A damaged database reads as one line naming the file and the fix, with the right exit code,
 * never "unexpected failure", a SyntaxError or a screenful of integrity-check output.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EventStore } from "../../src/store/event-store.ts";
import { cli, jsonLines, REPO, tempDir } from "../helpers.ts";
import { makeDb } from "./databases.ts";

const PAGE = 4096;

/** A log of `n` events (enough index pages to damage many of them). */
async function bigDb(n: number): Promise<string> {
  const file = join(tempDir(), "events.db");
  const store = await EventStore.open(file);
  const rows = Array.from({ length: n }, (_, i) => ({
    kind: "task.heartbeat",
    payload: { i, pad: "x".repeat(100) },
    taskId: `issue:${i % 50}`,
    idempotencyKey: `hb-${i}`,
  }));
  for (let i = 0; i < rows.length; i += 1000) store.appendBatch(rows.slice(i, i + 1000));
  store.close();
  return file;
}

/** Overwrites the first freeblock pointer of every index leaf page (0x0a): only the integrity check notices. */
function damageIndexPages(file: string): number {
  return damagePages(file, 0x0a, Uint8Array.of(0x0f, 0xf0), 1);
}

/** Overwrites the header and cell pointers of every table leaf page (0x0d): reads fail. */
function damageTablePages(file: string): number {
  const junk = new Uint8Array(600);
  for (let i = 0; i < junk.length; i += 6) junk.set([0x0d, 0, 0, 0, 0, 0xff], i);
  return damagePages(file, 0x0d, junk, 0);
}

function damagePages(file: string, type: number, junk: Uint8Array, at: number): number {
  const bytes = readFileSync(file);
  const fd = openSync(file, "r+");
  let damaged = 0;
  try {
    for (let off = PAGE; off < bytes.length; off += PAGE) {
      if (bytes[off] !== type) continue;
      writeSync(fd, junk, 0, junk.length, off + at);
      damaged++;
    }
  } finally {
    closeSync(fd);
  }
  return damaged;
}

function sql(file: string, text: string): void {
  const d = new Database(file);
  d.run(text);
  d.close();
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("verify on a file with many integrity problems", () => {
  test("one line: the first problem and the count; --json and --debug give the rest", async () => {
    const db = await bigDb(8000);
    expect(damageIndexPages(db)).toBeGreaterThan(100);
    const r = await cli(["verify", "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: ${db}: SQLite integrity check failed \\((\\d+) problems, first: Tree \\d+ page \\d+: free space corruption; --json or --debug lists them all\\); restore the database from a backup or an export$`,
        ),
      ),
    ]);
    const json = await cli(["verify", "--db", db, "--json"]);
    expect(json.code).toBe(1);
    const [report] = jsonLines(json.stdout) as [{ integrity: string[]; ok: boolean }];
    expect(report.ok).toBe(false);
    expect(report.integrity.length).toBeGreaterThan(50);
    expect(report.integrity.every((l) => !l.includes("\n") && !l.startsWith("***"))).toBe(true);
    const debug = await cli(["verify", "--db", db, "--debug"]);
    expect(lines(debug.stderr).filter((l) => l.includes("integrity check:")).length).toBe(
      report.integrity.length,
    );
  }, 60_000);
});

describe("stats on a damaged file", () => {
  test("damaged table pages: the db_corrupt line naming the file and the fix, exit 1", async () => {
    const db = await bigDb(3000);
    expect(damageTablePages(db)).toBeGreaterThan(10);
    const r = await cli(["stats", "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual([
      `error: database ${db} is corrupt (database disk image is malformed); restore it from a backup or rebuild it from the legacy JSONL with 'forge-eventlog mirror'`,
    ]);
  });

  test("a damaged value (a cursor whose name is a blob, a time that is a blob): db_corrupt, not 'unexpected failure'", async () => {
    const db = await makeDb(join(tempDir(), "events.db"));
    sql(
      db,
      "UPDATE projection_cursors SET projection_name = x'00ff' WHERE projection_name = 'mirror'",
    );
    const r = await cli(["stats", "--db", db]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: `error: database ${db} is corrupt (a projection_cursors row holds a blob of 2 bytes as its name and a number (10) as its sequence); restore it from a backup or rebuild it from the legacy JSONL with 'forge-eventlog mirror'\n`,
    });
    const db2 = await makeDb(join(tempDir(), "events.db"));
    sql(db2, "UPDATE events SET occurred_at = x'00' WHERE sequence = 10");
    const r2 = await cli(["stats", "--db", db2]);
    expect({ code: r2.code, stderr: r2.stderr }).toEqual({
      code: 1,
      stderr: `error: database ${db2} is corrupt (the last occurred_at holds a blob of 1 bytes, not a time); restore it from a backup or rebuild it from the legacy JSONL with 'forge-eventlog mirror'\n`,
    });
  });
});

describe("replay of an unreadable row", () => {
  test("a payload that is not JSON: the event_unreadable line with its sequence, exit 1", async () => {
    const db = await makeDb(join(tempDir(), "events.db"));
    sql(db, "UPDATE events SET payload_json = '{\"issue\": 41,' WHERE sequence = 3");
    const r = await cli(["replay", "--db", db]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: event 3 in ${db} has a payload_json that is not JSON \\([^)]*\\); another writer stored it or the row was damaged: 'forge-eventlog verify' names the first such row; read past it with --from 4$`,
        ),
      ),
    ]);
    expect(r.stderr).not.toContain("SyntaxError");
    const past = await cli(["replay", "--db", db, "--from", "4", "--json"]);
    expect(past.code).toBe(0);
    expect(jsonLines(past.stdout).length).toBe(7);
  });

  test("a column of the wrong type (a blob kind, a blob payload): one line, not a TypeError", async () => {
    const db = await makeDb(join(tempDir(), "events.db"));
    sql(db, "UPDATE events SET kind = x'01' WHERE sequence = 2");
    const r = await cli(["replay", "--db", db]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: `error: event 2 in ${db} has a blob of 1 bytes in its kind column; another writer stored it or the row was damaged: 'forge-eventlog verify' names the first damaged row; read past it with --from 3\n`,
    });
    const db2 = await makeDb(join(tempDir(), "events.db"));
    sql(db2, "UPDATE events SET payload_json = x'7b7d' WHERE sequence = 5");
    const r2 = await cli(["replay", "--db", db2]);
    expect(r2.code).toBe(1);
    expect(lines(r2.stderr)).toEqual([
      `error: event 5 in ${db2} has a blob of 2 bytes in its payload_json column; another writer stored it or the row was damaged: 'forge-eventlog verify' names the first damaged row; read past it with --from 6`,
    ]);
  });
});

const HOLDER = join(REPO, "tests/fixtures/wal-holder.ts");

/** A child process that appends `n` events and keeps the database open until told to close. */
async function holdOpen(db: string, n: number) {
  const proc = Bun.spawn([process.execPath, HOLDER, db, String(n)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain("ready");
  return { proc, reader };
}

function walMissingLine(db: string): RegExp {
  const e = db.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^error: ${e}-wal is gone but ${e}-shm says it held \\d+ page writes? not yet copied into ${e}, so the newest events are missing; if a process still has the database open, stop it cleanly \\(on close it copies its WAL into the file\\) and retry, otherwise restore the -wal from a backup, or delete ${e}-shm to use the file as it is and rebuild the rest with 'forge-eventlog mirror'$`,
  );
}

describe("a deleted -wal", () => {
  test("deleted while another process has the database open: says so and how to recover", async () => {
    const db = join(tempDir(), "events.db");
    const { proc, reader } = await holdOpen(db, 20);
    try {
      rmSync(`${db}-wal`);
      for (const command of ["stats", "replay", "verify"]) {
        const r = await cli([command, "--db", db]);
        expect(r.code).toBe(1);
        expect(lines(r.stderr)).toEqual([expect.stringMatching(walMissingLine(db))]);
      }
    } finally {
      proc.stdin.write("close\n");
      proc.stdin.end();
      await reader.read();
      await proc.exited;
    }
    // As the message says: once the holder closed cleanly, every event is in the file.
    const r = await cli(["stats", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]?.events).toBe(20);
  });

  test("removed after a crash, the -shm left behind: says so, and deleting the -shm as told reads the file", async () => {
    const db = join(tempDir(), "events.db");
    const { proc } = await holdOpen(db, 20);
    proc.kill(9);
    await proc.exited;
    expect(existsSync(`${db}-shm`)).toBe(true);
    rmSync(`${db}-wal`);
    const r = await cli(["replay", "--db", db]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(walMissingLine(db))]);
    const w = await cli(["import", "-", "--db", db], { stdin: "" });
    expect(w.code).toBe(1);
    expect(lines(w.stderr)).toEqual([expect.stringMatching(walMissingLine(db))]);
    rmSync(`${db}-shm`);
    const after = await cli(["stats", "--db", db]);
    expect(after.stderr).not.toMatch(/wal is gone|check the disk/);
  });
});
