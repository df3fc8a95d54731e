import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';

const CHROMIUM = '/usr/bin/chromium';

/** The page's document as these helpers use it (the project compiles without the DOM library). */
type PageDocument = { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };

/** The tests install Debian's chromium themselves when it is missing, as CI starts from a clean machine. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  for (const args of [
    ['-o', 'DPkg::Lock::Timeout=120', 'update', '-q'],
    ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '-q', '--no-install-recommends', 'chromium'],
  ]) {
    const result = spawnSync('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: ${result.stderr}`);
  }
  return CHROMIUM;
}

export interface OpenedPage {
  /** Console errors and uncaught exceptions, as the page reported them. */
  errors: string[];
  /** Every URL the page asked for besides itself (a self-contained report asks for none). */
  requests: string[];
  /** Evaluates in the page: counts of elements matching each selector. */
  count(selectors: Record<string, string>): Promise<Record<string, number>>;
  texts(selector: string): Promise<string[]>;
  screenshot(file: string): Promise<void>;
}

/** Opens a local HTML file in a real headless Chromium and hands the page to `use`. */
export async function withPage<T>(file: string, use: (page: OpenedPage) => Promise<T>): Promise<T> {
  const browser = await puppeteer.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page: Page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const errors: string[] = [];
    const requests: string[] = [];
    const self = `file://${file}`;
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error instanceof Error ? error.message : String(error)}`));
    page.on('request', (request) => {
      if (request.url() !== self) requests.push(request.url());
    });
    await page.goto(self, { waitUntil: 'load' });
    return await use({
      errors,
      requests,
      // The functions run in the page: they may only use what they are given and the page's globals.
      count: (selectors) =>
        page.evaluate((wanted: Record<string, string>) => {
          const doc = (globalThis as unknown as { document: PageDocument }).document;
          return Object.fromEntries(Object.entries(wanted).map(([name, selector]) => [name, doc.querySelectorAll(selector).length]));
        }, selectors),
      texts: (selector) =>
        page.evaluate((wanted: string) => {
          const doc = (globalThis as unknown as { document: PageDocument }).document;
          return Array.from(doc.querySelectorAll(wanted), (element) => element.textContent ?? '');
        }, selector),
      screenshot: async (path) => {
        await page.screenshot({ path: path as `${string}.png`, fullPage: true });
      },
    });
  } finally {
    await browser.close();
  }
}
