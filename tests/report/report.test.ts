import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "../helpers.ts";
import { demoDb, hostileDemoDb } from "../views/demo-db.ts";

describe("report", () => {
  test("one self-contained file: lanes per issue, every log string escaped", async () => {
    const dir = tempDir();
    const db = await hostileDemoDb(dir);
    const out = join(dir, "loop.html");
    const r = await cli(["report", "--db", db, "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, "utf8");
    expect(html.match(/class="lane"/g)?.length).toBe(8);
    expect(html).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain('href="javascript:');
    expect(html.match(/<script>/g)?.length).toBe(1);
    // Nothing is loaded from elsewhere: no src= at all, and links only to the PRs.
    expect(html).not.toMatch(/<[^>]*\ssrc=/);
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    for (const h of hrefs)
      expect(h.startsWith("#") || h.startsWith("https://github.com/")).toBe(true);
    expect(html).toContain("critic block (sev1 1, sev2 1)");
  });

  test("--issue narrows the page to one issue; an unknown one exits 1", async () => {
    const dir = tempDir();
    const db = await demoDb(dir);
    const out = join(dir, "one.html");
    expect((await cli(["report", "--db", db, "--issue", "169", "-o", out])).code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html.match(/class="lane"/g)?.length).toBe(1);
    expect(html).toContain('id="issue-169"');
    const bad = await cli(["report", "--db", db, "--issue", "5", "-o", out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("issue 5 does not appear");
  });

  test("--since leaves out what came before; a bad value is a usage error", async () => {
    const dir = tempDir();
    const db = await demoDb(dir);
    const out = join(dir, "late.html");
    const r = await cli(["report", "--db", db, "--since", "2026-06-02T12:04:00Z", "-o", out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toContain('id="issue-171"');
    expect(html).not.toContain('id="issue-167"');
    const bad = await cli(["report", "--db", db, "--since", "yesterday", "-o", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since");
  });
});
