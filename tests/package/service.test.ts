import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanKeys,
  committedLine,
  dbState,
  realisticLines,
  writeLines,
} from "../follow/legacy-lines.ts";
import { MAIN, REPO, tempDir, waitFor } from "../helpers.ts";

/**
 * contrib/forge-eventlog-mirror.service: systemd accepts it, and the command it starts behaves
 * under a supervisor as the unit promises (SIGTERM is a clean stop, so Restart=on-failure does
 * not restart it; a restart resumes from the saved position).
 */

const UNIT = join(REPO, "contrib/forge-eventlog-mirror.service");
const unitText = readFileSync(UNIT, "utf8");

/** The unit's [Service] settings (the last of a repeated key). */
function serviceSettings(): Record<string, string> {
  const body = unitText.slice(unitText.indexOf("[Service]"), unitText.indexOf("[Install]"));
  const settings: Record<string, string> = {};
  for (const line of body.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings[m[1]!] = m[2]!;
  }
  return settings;
}

const settings = serviceSettings();

describe("the systemd unit", () => {
  test("restarts on failure, stops with SIGTERM, logs to the journal", () => {
    expect(settings).toMatchObject({
      Restart: "on-failure",
      KillSignal: "SIGTERM",
      StandardOutput: "journal",
      StandardError: "journal",
    });
    expect(settings.ExecStart).toContain(" mirror docs/ops/loop-runner-events.jsonl --follow ");
  });

  test("passes systemd-analyze verify (systemd from Debian's systemd package)", async () => {
    // verify checks that ExecStart's program exists: point it at a real forge-eventlog.
    const dir = tempDir();
    const bin = join(dir, "forge-eventlog");
    writeFileSync(bin, `#!/bin/sh\nexec ${process.execPath} ${MAIN} "$@"\n`);
    chmodSync(bin, 0o755);
    const unit = join(dir, "forge-eventlog-mirror.service");
    writeFileSync(
      unit,
      unitText
        .replace("/usr/local/bin/forge-eventlog", bin)
        .replace(`WorkingDirectory=${settings.WorkingDirectory}`, `WorkingDirectory=${dir}`),
    );
    const proc = Bun.spawn(["systemd-analyze", "verify", unit], { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ code, out, err }).toEqual({ code: 0, out: "", err: "" });
  });
});

const LINES = 40_000;

test(`the unit's ExecStart, stopped with SIGTERM during a ${LINES}-line catch-up: exit 0 (no restart), position saved; started again it resumes and ends with the clean run's events`, async () => {
  const workdir = tempDir("fel-service-");
  mkdirSync(join(workdir, "docs/ops"), { recursive: true });
  mkdirSync(join(workdir, ".forge"));
  const lines = realisticLines(LINES);
  writeLines(join(workdir, "docs/ops/loop-runner-events.jsonl"), lines);
  const db = join(workdir, ".forge/events.db");
  const [program, ...args] = settings.ExecStart!.split(" ");
  expect(program).toBe("/usr/local/bin/forge-eventlog");

  const start = () =>
    Bun.spawn([process.execPath, MAIN, ...args], {
      cwd: workdir,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
  const stop = async (proc: ReturnType<typeof start>) => {
    proc.kill(settings.KillSignal as NodeJS.Signals);
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    return { code, stderr };
  };

  const first = start();
  await waitFor("the first run's first committed batch", () => {
    if (first.exitCode !== null) throw new Error(`the mirror exited (${first.exitCode})`);
    return committedLine(db) > 0;
  });
  const stopped = await stop(first);
  // Exit 0 is a clean stop for systemd: Restart=on-failure leaves it stopped.
  expect(stopped.code).toBe(0);
  expect(stopped.stderr).toContain("SIGTERM: finishing the current batch, then stopping");
  expect(stopped.stderr).not.toContain("\u001b["); // plain lines for the journal
  const saved = committedLine(db);
  expect(saved).toBeGreaterThan(0);
  expect(saved).toBeLessThan(LINES);

  const second = start();
  await waitFor(
    "the restarted run to catch up",
    () => {
      if (second.exitCode !== null) throw new Error(`the mirror exited (${second.exitCode})`);
      return committedLine(db) === LINES;
    },
    120_000,
  );
  const again = await stop(second);
  expect(again.code).toBe(0);
  // It resumed: the second run read only the lines after the saved position.
  expect(/lines read\s+(\d+)/.exec(again.stderr)?.[1]).toBe(String(LINES - saved));

  const state = await dbState(db);
  expect(state.keys).toEqual(await cleanKeys(workdir, "clean", lines));
  expect(state).toMatchObject({ gapless: true, verified: true, quarantine: [] });
}, 180_000);
