import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { REPO } from "../helpers.ts";

/** Debian's chromium; the browser tests never download one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Where the browser tests leave their screenshots. */
export const OUTPUT = join(REPO, "test-output", "browser");

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/**
 * Headless Chromium; fails (never skips) when the browser is missing. Playwright gives each
 * launch a fresh profile in a new temp directory (its --user-data-dir), removed on close.
 */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, which .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(OUTPUT, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

/** A page that records console errors, page errors and every request it makes. */
export async function watchedPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ colorScheme: "light", ...options });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  page.on("request", (r) => requests.push(r.url()));
  return { page, consoleErrors, requests };
}

/**
 * The standard deviation of a PNG's pixel brightness, measured by drawing it on a canvas in
 * the browser: near 0 for a blank image.
 */
export async function pixelSpread(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    const spread = await page.evaluate(`(async () => {
      const img = new Image();
      img.src = "data:image/png;base64,${png.toString("base64")}";
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext("2d");
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, img.width, img.height).data;
      let sum = 0, sq = 0;
      const n = px.length / 4;
      for (let i = 0; i < px.length; i += 4) {
        const v = (px[i] + px[i + 1] + px[i + 2]) / 3;
        sum += v;
        sq += v * v;
      }
      const mean = sum / n;
      return Math.sqrt(sq / n - mean * mean);
    })()`);
    return Number(spread);
  } finally {
    await page.close();
  }
}
