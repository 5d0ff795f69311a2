import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { tempDir } from "../helpers.ts";
import { serve } from "../serve/serve-process.ts";
import { demoDb } from "../views/demo-db.ts";
import { launch, OUTPUT, watchedPage } from "./chromium.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

test("the live page shows an event another process appends within 1 s, without a reload", async () => {
  const db = await demoDb(tempDir());
  const s = await serve(db);
  try {
    const { page, consoleErrors, requests } = await watchedPage(browser);
    await page.goto(s.url);
    await page.waitForFunction(`document.getElementById("live-state").textContent === "connected"`);
    await page.evaluate("window.__sameDocument = true");
    const writer = Bun.spawn(
      [process.execPath, join(import.meta.dir, "append-event.ts"), db, "500"],
      {
        stdout: "pipe",
      },
    );
    const sequence = Number((await new Response(writer.stdout).text()).trim());
    expect(await writer.exited).toBe(0);
    expect(sequence).toBe(76);
    const item = await page.waitForSelector(`#live-events li[data-sequence="${sequence}"]`, {
      timeout: 1000,
    });
    expect(await item.textContent()).toContain("task.dispatched issue:500");
    expect(await page.evaluate("window.__sameDocument")).toBe(true);
    await page.screenshot({ path: join(OUTPUT, "live-page.png") });
    expect(consoleErrors).toEqual([]);
    for (const r of requests) expect(r.startsWith(s.url)).toBe(true);
    await page.context().close();
  } finally {
    expect(await s.stop()).toBe(0);
  }
});
