import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Debian's chromium (`make test` installs it); FERRY_CHROMIUM names another build. */
export const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
/** Where browser tests leave their screenshots (git-ignored). */
export const SCREENSHOTS = join(ROOT, 'test-output/console');

/**
 * Headless Chromium driven by playwright-core (no browser download). Playwright gives each launch a fresh
 * profile directory; the flags keep Chromium from calling home, which this machine's closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** What the page logged as an error, and every CSP violation: a test ends by checking there is none. */
  problems: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** A new browser context (its own sessionStorage) with one page, sized like a laptop screen. */
export async function openConsolePage(browser: Browser): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 40[0-9]/.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => context.close(),
  };
}
