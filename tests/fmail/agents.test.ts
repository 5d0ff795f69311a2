import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureProject, touchAgent } from "../../src/fmail/agents.ts";
import { LoopEventPublisher } from "../../src/fmail/publisher.ts";
import { tempDir } from "../helpers.ts";

test("a publishing loop is in fmail's agent registry and the project file exists", () => {
  const root = tempDir();
  let t = Date.parse("2026-06-02T12:00:00Z");
  const now = () => {
    t += 1000;
    return new Date(t);
  };
  const p = new LoopEventPublisher(
    { enabled: true },
    { cwd: root, env: { FMAIL_ROOT: root }, host: "box-1", now },
  );
  p.observe({ kind: "loop_start", label: "coder-1" });
  p.observe({ kind: "loop_stop", tick: 1 });
  const file = join(root, ".fmail/agents");
  const [name] = readdirSync(file);
  const text = readFileSync(join(file, name!), "utf8");
  expect(text.endsWith("}")).toBe(true);
  const entry = JSON.parse(text);
  expect(entry).toMatchObject({ host: "box-1", first_seen: "2026-06-02T12:00:02Z" });
  expect(entry.last_seen > entry.first_seen).toBe(true);
  expect(`${entry.name}.json`).toBe(name!);
  expect(Object.keys(entry)).toEqual(["name", "host", "first_seen", "last_seen"]);
  const project = JSON.parse(readFileSync(join(root, ".fmail/project.json"), "utf8"));
  expect(Object.keys(project)).toEqual(["id", "created"]);
  expect(statSync(join(root, ".fmail/project.json")).mode & 0o777).toBe(0o644);
});

test("touchAgent keeps first_seen; ensureProject never overwrites", () => {
  const root = tempDir();
  touchAgent(root, "loop-a", { now: new Date("2026-01-01T00:00:00Z") });
  const again = touchAgent(root, "Loop-A", { now: new Date("2026-01-02T00:00:00.5Z") });
  expect(again).toEqual({
    name: "loop-a",
    first_seen: "2026-01-01T00:00:00Z",
    last_seen: "2026-01-02T00:00:00.5Z",
  });
  ensureProject(root, new Date("2026-01-01T00:00:00Z"));
  ensureProject(root, new Date("2027-01-01T00:00:00Z"));
  const project = JSON.parse(readFileSync(join(root, ".fmail/project.json"), "utf8"));
  expect(project.created).toBe("2026-01-01T00:00:00Z");
});
