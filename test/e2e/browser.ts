// Browser tests drive Debian's Chromium with playwright-core against a real `serve` (in-process, port 0) that serves
// the built UI (renderer/dist). One browser per test file; each test gets a fresh context (cookies, storage).
import { existsSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEFAULT_UI_DIR } from '../../src/server/ui.js';

export const SCREENSHOT_DIR = join(import.meta.dirname, 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) throw new Error(`the UI is not built (${DEFAULT_UI_DIR}/index.html missing): run \`npm run build\` first`);
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-dev-shm-usage'],
    timeout: 30_000,
  });
}

/** A signed-in page: opening `/?token=` sets the cookie and redirects to `/`, as a user opening the printed URL. */
export async function signedIn(browser: Browser, base: string, token: string, opts: { dark?: boolean; hash?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: opts.dark ? 'dark' : 'light' });
  const page = await context.newPage();
  await page.goto(`${base}/?token=${token}`);
  if (opts.hash) await page.goto(`${base}/${opts.hash}`);
  return { context, page };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/** Runs kcat with the given args (and stdin), resolving with its output; rejects on a non-zero exit or after `ms`. */
export function kcat(args: string[], input?: string, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} did not finish in ${ms} ms: ${err}`));
    }, ms);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`));
    });
    p.stdin.end(input ?? '');
  });
}
