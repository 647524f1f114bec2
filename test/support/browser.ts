import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium as playwright, type Page } from 'playwright-core';

/**
 * A real headless Chromium for the browser tests: the binary the `@sparticuz/chromium` package ships (inflated
 * into the temp folder once, by jest's global setup), driven by playwright-core. Nothing to install beyond
 * `npm ci`.
 */

/**
 * The package's flags, less the two that would switch off the very protections the tests check, and the
 * single-process mode that serverless hosts need and that lets browser contexts share state here.
 */
const WEAKENING = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/**
 * The package is an ES module, which jest's CommonJS runtime cannot load: a plain Node process asks it where the
 * inflated binary is (inflating it on first use) and which flags it runs with.
 */
export function chromiumLaunchOptions(): { executablePath: string; args: string[] } {
  const script =
    "import('@sparticuz/chromium').then(async ({ default: c }) => " +
    'process.stdout.write(JSON.stringify({ executablePath: await c.executablePath(), args: c.args })))';
  const output = execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '..', '..') });
  return JSON.parse(output.toString('utf8')) as { executablePath: string; args: string[] };
}

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, args } = chromiumLaunchOptions();
  return playwright.launch({
    executablePath,
    args: args.filter((arg) => !WEAKENING.has(arg)),
    headless: true,
  });
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A page that records what a person would never see but a test must: Content-Security-Policy refusals, script
 * errors and failed asset loads.
 */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (
      message.type() === 'error' &&
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
    ) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems };
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules and best practices).
 * axe is evaluated through the DevTools protocol, not injected as a script, so the page's CSP stays as strict as
 * it is for a customer.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, so that this file needs no DOM typings: it runs in the page, where `axe` and `document` exist.
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)",
  )) as AxeViolation[];
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${page.url()}: ${violation.id} (${violation.impact}) ${violation.help}: ${violation.nodes
          .map((node) => node.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`,
    );
}

export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

/** Writes `docs/screenshots/<name>.png` (the README shows them). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Visits a page, checks it with axe, and optionally keeps a screenshot; returns the violations found. */
export async function visit(
  page: Page,
  url: string,
  options: { screenshot?: string } = {},
): Promise<{ status: number; violations: string[] }> {
  const response = await page.goto(url, { waitUntil: 'load' });
  const violations = await seriousViolations(page);
  if (options.screenshot) await screenshot(page, options.screenshot);
  return { status: response?.status() ?? 0, violations };
}
