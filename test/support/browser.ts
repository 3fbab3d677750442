import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { repoRoot } from './child-process.js';

/** Debian's Chromium (`.ci/run` installs the package when apt can). */
export const chromiumPath = process.env.JUNCTION_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(chromiumPath)
    ? undefined
    : `no Chromium at ${chromiumPath} (install the chromium package, or set JUNCTION_CHROMIUM): the console's browser tests are skipped`;
}

/** One headless Chromium for a test file (close it in afterAll). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
    timeout: 60_000,
  });
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeScript: string | undefined;

/** Runs axe-core in the page and fails on any serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated through the DevTools protocol: the console's CSP rightly refuses an injected script.
  axeScript ??= await readFile(axeSource, 'utf8');
  await page.evaluate(axeScript);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe and document are the page's own globals.
    const inPage: any = globalThis;
    const result = await inPage.axe.run(inPage.document, { resultTypes: ['violations'] });
    return (
      result.violations as {
        id: string;
        impact: string;
        help: string;
        nodes: { target: string[] }[];
      }[]
    )
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
  });
  expect(violations, `axe on ${page.url()}`).toEqual([]);
}

/** With CONSOLE_SCREENSHOTS=1, saves the page as docs/console/<name>.png (for the README). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.CONSOLE_SCREENSHOTS !== '1') return;
  const folder = path.join(repoRoot, 'docs', 'console');
  await mkdir(folder, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: false });
}
