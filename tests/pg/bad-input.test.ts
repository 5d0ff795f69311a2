/**
 * A target that is not a usable log: one line naming it, exit 1, nothing written there or to
 * the local log's cursors.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { shipCursorName } from "../../src/ship/shipper.ts";
import { EventStore } from "../../src/store/event-store.ts";
import { PgEventStore } from "../../src/store/pg/pg-store.ts";
import { cli, tempDir } from "../helpers.ts";
import { adminQuery, dropSchemas, freshSchema, PG_URL } from "./pg-server.ts";

afterAll(dropSchemas);

async function shipFails(to: string, mentions: string): Promise<string> {
  const db = join(tempDir("fel-pgbad-"), "events.db");
  const local = await EventStore.open(db);
  local.append("tick.started", { tick: 7 }, { sagaId: "tick:7", idempotencyKey: "k7" });
  local.close();
  const r = await cli(["ship", "--db", db, "--to", to]);
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(mentions);
  expect(r.stderr).not.toContain("    at ");
  const store = await EventStore.open(db, { readonly: true });
  try {
    expect(store.listCursors().filter((c) => c.name.startsWith("ship:"))).toEqual([]);
  } finally {
    store.close();
  }
  return lines[0] as string;
}

const withUrl = (change: (u: URL) => void): string => {
  const u = new URL(PG_URL);
  change(u);
  return u.toString();
};

test("a port where no server listens: unreachable, named, with the check to run", async () => {
  const line = await shipFails(
    withUrl((u) => {
      u.port = "1";
    }),
    "cannot reach PostgreSQL at postgres://",
  );
  expect(line).toContain(":1/");
  expect(line).toContain("pg_isready");
});

test("a database that does not exist: named, with createdb", async () => {
  const line = await shipFails(
    withUrl((u) => {
      u.pathname = "/forge_eventlog_no_such_db";
    }),
    "forge_eventlog_no_such_db",
  );
  expect(line).toContain("createdb");
});

test("a wrong password: the login is refused, the password is never printed", async () => {
  const wrong = withUrl((u) => {
    u.username = "forge_eventlog_pw";
    u.password = "not-the-password";
  });
  const probe = new Bun.SQL(wrong, { max: 1 });
  const accepted = await probe`SELECT 1`.then(
    () => true,
    () => false,
  );
  await probe.close();
  if (accepted) {
    throw new Error(
      "the server trusts forge_eventlog_pw, so a wrong password cannot be tested: run bash .ci/pg-setup.sh (it adds a scram-sha-256 pg_hba.conf line for that role alone)",
    );
  }
  const line = await shipFails(wrong, "refused the login");
  expect(line).toContain("forge_eventlog_pw@");
  expect(line).not.toContain("not-the-password");
});

test("a database that is not ours (an unrelated events table): refused, left as it was", async () => {
  const { url, schema } = await freshSchema("foreign");
  await adminQuery(`CREATE TABLE ${schema}.events (id serial PRIMARY KEY, what text)`);
  await adminQuery(`INSERT INTO ${schema}.events (what) VALUES ('theirs')`);
  const line = await shipFails(url, "did not create");
  expect(line).toContain(schema);
  const tables = await adminQuery<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
    [schema],
  );
  expect(tables.map((t) => t.table_name)).toEqual(["events"]);
  expect(await adminQuery(`SELECT id, what FROM ${schema}.events`)).toEqual([
    { id: 1, what: "theirs" },
  ]);
});

test("a newer schema: refused before anything is written", async () => {
  const { url, schema } = await freshSchema("newer");
  await (await PgEventStore.open(url)).close();
  await adminQuery(
    `INSERT INTO ${schema}.forge_eventlog_schema (version, name) VALUES (99, 'from the future')`,
  );
  const line = await shipFails(url, "schema 99");
  expect(line).toContain("upgrade forge-eventlog");
  const [n] = await adminQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.events`);
  expect(Number(n?.n)).toBe(0);
  expect(shipCursorName(url)).toStartWith("ship:postgres://");
});
