import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { OUTCOME_COLORS } from "../../src/report/page.ts";
import { cli, tempDir } from "../helpers.ts";
import { demoDb, hostileDemoDb } from "../views/demo-db.ts";
import { launch, OUTPUT, pixelSpread, watchedPage } from "./chromium.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** The demo's report written by the CLI; returns its file URL. */
async function demoReport(hostile = false): Promise<string> {
  const dir = tempDir();
  const db = hostile ? await hostileDemoDb(dir) : await demoDb(dir);
  const out = join(dir, "report.html");
  const r = await cli(["report", "--db", db, "-o", out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return pathToFileURL(out).href;
}

const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
};

const DEMO_OUTCOMES: Record<number, keyof typeof OUTCOME_COLORS> = {
  167: "merged",
  168: "timeout",
  169: "compensated",
  170: "compensated",
  171: "failed",
  172: "failed",
  173: "budget_exceeded",
};

describe("the report in Chromium", () => {
  test("loads with no console error and no request leaving the file; one lane per issue, colored by outcome", async () => {
    const url = await demoReport();
    const { page, consoleErrors, requests } = await watchedPage(browser);
    await page.goto(url);
    await page.waitForSelector(".lane");
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([url]);
    const fills = (await page.evaluate(`Array.from(document.querySelectorAll(".lane")).map(
      (a) => [Number(a.dataset.issue), getComputedStyle(a.querySelector("rect")).fill])`)) as [
      number,
      string,
    ][];
    expect(fills.map(([issue]) => issue)).toEqual([167, 168, 169, 170, 171, 172, 173]);
    for (const [issue, fill] of fills) {
      expect(fill).toBe(rgb(OUTCOME_COLORS[DEMO_OUTCOMES[issue]!][0]));
    }
    const png = await page.screenshot({ path: join(OUTPUT, "demo-report.png"), fullPage: true });
    expect(await pixelSpread(browser, png)).toBeGreaterThan(10);
    await page.context().close();
  });

  test("clicking an issue's bar shows its story; the status filter narrows the table", async () => {
    const { page, consoleErrors } = await watchedPage(browser);
    await page.goto(await demoReport());
    const story = page.locator("#issue-169 ol.story");
    expect(await story.isVisible()).toBe(false);
    await page.click("#lane-169 rect");
    await story.waitFor({ state: "visible" });
    expect(await story.textContent()).toContain("dispatched s-169-1");
    expect(await page.locator("#issues tbody tr:visible").count()).toBe(7);
    await page.selectOption("#status-filter", "compensated");
    await page.waitForFunction(
      `document.querySelectorAll("#issues tbody tr:not([hidden])").length === 2`,
    );
    expect(await page.locator("#issues tbody tr:visible").count()).toBe(2);
    expect(await page.locator("#shown").textContent()).toBe("2");
    await page.selectOption("#status-filter", "");
    await page.fill("#text-filter", "scheduler");
    await page.waitForFunction(
      `document.querySelectorAll("#issues tbody tr:not([hidden])").length === 1`,
    );
    // Sorting by cost puts the most expensive issue last.
    await page.fill("#text-filter", "");
    await page.click("#issues th:nth-child(7) button");
    await page.click("#issues th:nth-child(7) button");
    expect(await page.locator("#issues tbody tr").first().getAttribute("id")).toBe("issue-173");
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });

  test("an issue title with <script> is shown as text and never runs", async () => {
    const { page, consoleErrors } = await watchedPage(browser);
    await page.goto(await demoReport(true));
    await page.waitForSelector("#issue-999");
    expect(await page.locator("#issue-999 td:nth-child(2)").textContent()).toBe(
      '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">',
    );
    expect(await page.evaluate("window.__pwned === undefined")).toBe(true);
    expect(await page.locator("#issue-999 a").count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });

  test("without JavaScript the summary, the table and the stories still work", async () => {
    const { page } = await watchedPage(browser, { javaScriptEnabled: false });
    await page.goto(await demoReport());
    expect(await page.locator("#summary").textContent()).toContain("1 idle");
    expect(await page.locator("#issues tbody tr:visible").count()).toBe(7);
    expect(await page.locator(".filters").isVisible()).toBe(false);
    await page.click("#issue-168 summary");
    expect(await page.locator("#issue-168 ol.story").textContent()).toContain("timeout");
    await page.context().close();
  });

  test("readable in the dark scheme: its own background and outcome colors", async () => {
    const { page } = await watchedPage(browser, { colorScheme: "dark" });
    await page.goto(await demoReport());
    expect(await page.evaluate("getComputedStyle(document.body).backgroundColor")).toBe(
      rgb("#0d1117"),
    );
    expect(
      await page.evaluate(`getComputedStyle(document.querySelector("#lane-167 rect")).fill`),
    ).toBe(rgb(OUTCOME_COLORS.merged[1]));
    const png = await page.screenshot({ path: join(OUTPUT, "demo-report-dark.png") });
    expect(await pixelSpread(browser, png)).toBeGreaterThan(5);
    await page.context().close();
  });
});
