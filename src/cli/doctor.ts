import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DB_ENV } from "../config.ts";
import { describeError, EventLogError } from "../errors.ts";
import { fmailDir } from "../fmail/root.ts";
import { pathState } from "../follow/identity.ts";
import { DEFAULT_JSONL } from "../paths.ts";
import { unsupportedRuntime } from "../runtime/support.ts";
import type { EventStore } from "../store/event-store.ts";
import { LATEST_SCHEMA_VERSION } from "../store/migrations.ts";
import { configDb, fmailRootFor, openRead } from "./common/database.ts";
import { formatBytes, jsonLine, LineWriter } from "./common/output.ts";
import { defineCommand, type GlobalArgs, globalArgs } from "./framework/command.ts";
import { stdoutPaint } from "./framework/terminal.ts";
import { runtimeName } from "./version.ts";

/** One check: what was looked at, whether it is fine, and the fix when it is not. */
interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const pass = (check: string, detail: string): Check => ({ check, ok: true, detail });
const fail = (check: string, detail: string, fix: string): Check => ({
  check,
  ok: false,
  detail,
  fix,
});

/** A WAL past this size means checkpoints are being held off (a reader that never closes). */
const WAL_LIMIT = 256 * 1024 * 1024;

function configCheck(args: GlobalArgs): Check {
  try {
    const c = configDb(args.config);
    if (!c.file) return pass("config", "no forge-eventlog.config.json here or above: defaults");
    return pass("config", `${c.file} (${c.from}) is valid`);
  } catch (e) {
    return fail(
      "config",
      describeError(e),
      "fix the file the message names, or point --config at a valid one",
    );
  }
}

function runtimeCheck(): Check {
  const problem = unsupportedRuntime();
  if (problem) return fail("runtime", problem, "run it on Bun or Deno");
  return pass("runtime", `${runtimeName()} with a built-in SQLite`);
}

function databaseChecks(store: EventStore): Check[] {
  const checks: Check[] = [];
  const version = store.schemaVersion();
  if (version === LATEST_SCHEMA_VERSION)
    checks.push(pass("schema", `version ${version}, the latest`));
  else {
    checks.push(
      fail(
        "schema",
        `version ${version}, this release writes ${LATEST_SCHEMA_VERSION}`,
        "run any writing command once (forge-eventlog mirror <jsonl>) to migrate it",
      ),
    );
  }
  const head = store.latestSequence();
  if (head === 0) checks.push(pass("chain head", "no events yet"));
  else {
    try {
      // The head's own hash and its link to the event before it, as a reader checks them.
      for (const _ of store.since(Math.max(0, head - 2), { verifyChain: true })) {
        // reading is the check
      }
      const e = store.eventAt(head);
      checks.push(
        pass(
          "chain head",
          `sequence ${head}, hash ${e?.event_hash?.slice(0, 12) ?? "-"}, links to the one before`,
        ),
      );
    } catch (err) {
      checks.push(
        fail(
          "chain head",
          describeError(err),
          "run forge-eventlog verify to find every broken row",
        ),
      );
    }
  }
  const wal = `${store.path}-wal`;
  const walBytes = existsSync(wal) ? statSync(wal).size : 0;
  if (walBytes > WAL_LIMIT) {
    checks.push(
      fail(
        "wal",
        `${formatBytes(walBytes)}, past ${formatBytes(WAL_LIMIT)}: checkpoints are held off`,
        "close long-running readers (a tail or report left open); the next commit then checkpoints it",
      ),
    );
  } else checks.push(pass("wal", formatBytes(walBytes)));
  return checks;
}

async function databaseCheck(args: GlobalArgs): Promise<Check[]> {
  let store: EventStore;
  try {
    store = await openRead(args);
  } catch (e) {
    if (
      e instanceof EventLogError &&
      (e.code === "config_invalid" || e.code === "config_not_found")
    ) {
      return [fail("database", "not checked: the config above names it", "fix the config first")];
    }
    const fix =
      e instanceof EventLogError && e.code === "db_not_found"
        ? `create it with forge-eventlog mirror <jsonl>, or point --db / $${DB_ENV} at it`
        : "see the message; forge-eventlog verify tells more";
    return [fail("database", describeError(e), fix)];
  }
  try {
    const checks = [
      pass("database", `${store.path} opens (${store.runtime})`),
      ...databaseChecks(store),
    ];
    checks.push(...jsonlChecks(args, store));
    return checks;
  } finally {
    store.close();
  }
}

function jsonlChecks(args: GlobalArgs, store: EventStore | undefined): Check[] {
  let jsonl: string;
  let named: string;
  try {
    const c = configDb(args.config);
    jsonl = c.config?.jsonl ?? `${process.cwd()}/${DEFAULT_JSONL}`;
    named = c.config ? `the "jsonl" of ${c.file}` : "the default";
  } catch {
    return [];
  }
  const checks: Check[] = [];
  const state = pathState(jsonl);
  if (state.kind === "missing") {
    checks.push(
      fail(
        "jsonl",
        `no file at ${jsonl} (${named})`,
        'set "jsonl" in the config to the runner\'s JSONL, or start the runner',
      ),
    );
  } else if (state.kind === "other") {
    checks.push(
      fail(
        "jsonl",
        `${jsonl} is ${state.what}`,
        'point "jsonl" at the runner\'s JSONL file itself',
      ),
    );
  } else {
    try {
      accessSync(jsonl, constants.R_OK);
      checks.push(pass("jsonl", `${jsonl} (${named}), ${formatBytes(state.size)}, readable`));
    } catch {
      checks.push(
        fail(
          "jsonl",
          `${jsonl} is not readable by this user`,
          "run as the runner's user, or make it readable (chmod g+r)",
        ),
      );
    }
  }
  const followed = store?.listFollowPositions() ?? [];
  if (followed.length > 0 && !followed.some((p) => p.source === jsonl)) {
    checks.push(
      fail(
        "mirror",
        `the database follows ${followed.map((p) => p.source).join(", ")}, not ${jsonl}`,
        'run mirror on the file the config names (forge-eventlog mirror), or fix the config\'s "jsonl"',
      ),
    );
  } else if (followed.length > 0) checks.push(pass("mirror", `follows ${jsonl}`));
  return checks;
}

function fmailCheck(args: GlobalArgs): Check {
  let enabled = false;
  try {
    enabled = configDb(args.config).config?.events.enabled === true;
  } catch {
    return pass("fmail", "skipped: the config is invalid");
  }
  const { root } = fmailRootFor(args);
  const dir = fmailDir(root);
  if (!enabled && !existsSync(dir)) return pass("fmail", `events off; no ${dir}`);
  const target = existsSync(dir) ? dir : dirname(dir);
  try {
    accessSync(target, constants.W_OK);
    return pass(
      "fmail",
      `${dir} ${existsSync(dir) ? "exists" : "will be created"}, writable${enabled ? "" : " (events off)"}`,
    );
  } catch {
    return fail(
      "fmail",
      `${target} is not writable`,
      "run as the runner's user, or set events.root to a writable project root",
    );
  }
}

export default defineCommand({
  meta: {
    name: "doctor",
    description:
      "Check config, runtime, database, the JSONL and the fmail root; one line per check with its fix",
  },
  args: { ...globalArgs },
  help: {
    examples: ["forge-eventlog doctor", "forge-eventlog doctor --json | jq 'select(.ok | not)'"],
    notes: [
      "Checks: the config (found, valid), the runtime, the database (opens, schema version, the chain head's hash and link, the WAL's size), the JSONL the config names (exists, a readable file, the one the database follows) and the fmail root (writable). Read-only.",
    ],
    exit1: "some check failed (each failing line says the fix)",
  },
  async run({ args }) {
    const checks = [
      configCheck(args),
      runtimeCheck(),
      ...(await databaseCheck(args)),
      fmailCheck(args),
    ];
    if (!checks.some((c) => c.check === "jsonl"))
      checks.splice(-1, 0, ...jsonlChecks(args, undefined));
    const out = new LineWriter();
    const p = stdoutPaint();
    const width = Math.max(...checks.map((c) => c.check.length));
    for (const c of checks) {
      if (args.json) await out.line(jsonLine(c));
      else {
        const mark = c.ok ? p.green("ok  ") : p.red("FAIL");
        const fix = c.fix ? `; fix: ${c.fix}` : "";
        await out.line(`${mark}  ${c.check.padEnd(width)}  ${c.detail}${fix}`);
      }
    }
    await out.flush();
    const failed = checks.filter((c) => !c.ok).length;
    if (failed > 0) {
      throw new EventLogError(
        "check_failed",
        `${failed} of ${checks.length} checks failed (marked FAIL, each with its fix)`,
      );
    }
  },
});
