import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { createCustomerIntegration } from '../runs/operations-support.js';
import { apiOf } from '../support/api.js';
import { browserMissing, expectAccessible, launchBrowser, screenshot } from '../support/browser.js';
import { startFakeTarget } from '../support/fake-target.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)('the console in a browser', () => {
  let t: TestJunction;
  let target: Awaited<ReturnType<typeof startFakeTarget>>;
  let browser: Browser;
  let page: Page;
  let customers: { id: string; hook: string };

  beforeAll(async () => {
    target = await startFakeTarget();
    t = await startTestJunction(
      { JUNCTION_WORKER_POLL_INTERVAL_MS: '100' },
      { connectors: createStaticConnectorSource([crm, targetApi]) },
    );
    customers = await createCustomerIntegration(apiOf(t), {
      name: 'CRM customers to ERP',
      targetUrl: target.url,
      retry: { maxAttempts: 1, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await target?.close();
  });

  async function signIn(p: Page, token: string) {
    await p.goto(`${t.url}/console`);
    await expect.poll(() => p.url()).toContain('/console/sign-in');
    await p.getByLabel('API token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL((url) => !url.pathname.startsWith('/console/sign-in'));
  }

  it('signs in with a token and shows the overview', async () => {
    await page.goto(`${t.url}/console/sign-in`);
    await expectAccessible(page);
    await screenshot(page, 'sign-in');
    await signIn(page, ADMIN_TOKEN);
    await expect.poll(() => page.url()).toBe(`${t.url}/console`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    await expect
      .poll(() => page.getByRole('link', { name: 'CRM customers to ERP', exact: true }).count())
      .toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'overview');
    expect(customers.id).toBeTruthy();
  });

  it('signs out: the console asks for a token again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(`${t.url}/console`);
    await expect.poll(() => page.url()).toContain('/console/sign-in');
  });
});
