/**
 * The soak's verdict (scripts/soak.sh): compares what the writer wrote (its log) with the
 * database. A record missing from the database is a real loss unless retention took it off
 * the disk (then no reader could have read it in time). Exit 1 on any real loss, a doubled
 * record, or a chain that does not verify.
 * Usage: bun scripts/soak-report.ts <db> <writer-log> <file>
 */
import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { EventStore } from "../src/store/event-store.ts";

const [dbPath, log, file] = process.argv.slice(2);
if (!dbPath || !log || !file) {
  console.error("usage: soak-report.ts <db> <writer-log> <file>");
  process.exit(2);
}

const written = new Set<number>();
const removed = new Set<number>();
for (const line of readFileSync(log, "utf8").split("\n")) {
  const [op, from, to] = line.split(" ");
  const into = op === "W" ? written : op === "R" ? removed : undefined;
  if (!into) continue;
  for (let n = Number(from); n <= Number(to); n++) into.add(n);
}

const onDisk = new Set<number>();
for (const path of [file, `${file}.1`, `${file}.2`, `${file}.3`]) {
  if (!existsSync(path)) continue;
  for (const m of readFileSync(path, "utf8").matchAll(/"soak": (\d+)/g)) onDisk.add(Number(m[1]));
}

const db = new Database(dbPath, { readonly: true });
const perRecord = new Map<number, number>();
const rows = db
  .query<{ n: number; c: number }, []>(
    "SELECT json_extract(payload_json, '$.soak') AS n, COUNT(*) AS c FROM events GROUP BY n",
  )
  .all();
for (const r of rows) perRecord.set(r.n, r.c);
const quarantined = db.query<{ c: number }, []>("SELECT COUNT(*) AS c FROM quarantine").get()?.c;
db.close();
const store = await EventStore.open(dbPath, { readonly: true });
const verified = store.verify().ok;
store.close();

const missing = [...written].filter((n) => !perRecord.has(n));
const realLosses = missing.filter((n) => !removed.has(n));
const stillOnDisk = missing.filter((n) => onDisk.has(n));
const retentionUnread = missing.filter((n) => removed.has(n));
const doubled = [...perRecord].filter(([, c]) => c !== 1).length;
const report = {
  records_written: written.size,
  records_in_database: perRecord.size,
  real_losses: realLosses.length,
  real_losses_still_on_disk: stillOnDisk.length,
  removed_by_retention_before_read: retentionUnread.length,
  removed_by_retention_total: removed.size,
  doubled_records: doubled,
  quarantined_lines: quarantined,
  chain_verified: verified,
};
console.log(JSON.stringify(report, null, 2));
if (realLosses.length > 0) console.log(`first real losses: ${realLosses.slice(0, 20).join(" ")}`);
process.exit(realLosses.length === 0 && doubled === 0 && verified ? 0 : 1);
