import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { createToken } from '../audit/audit-support.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import {
  CRM_KEY,
  createCustomerIntegration,
  deliver,
  settled,
} from '../runs/operations-support.js';
import { apiOf } from '../support/api.js';
import { browserMissing, expectAccessible, launchBrowser, screenshot } from '../support/browser.js';
import { startFakeTarget } from '../support/fake-target.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { consoleClient } from './console-client.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)('the console in a browser', { timeout: 120_000 }, () => {
  let t: TestJunction;
  let target: Awaited<ReturnType<typeof startFakeTarget>>;
  let browser: Browser;
  let page: Page;
  let customers: { id: string; hook: string };
  let dead: { id: string; state: string };

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
  }, 180_000);
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

  it("lists an integration's runs after real webhooks, and shows new ones without a reload", async () => {
    target.failNext({ status: 500, body: { error: 'ERP down' } });
    dead = await settled(
      t,
      await deliver(t, customers.hook, { id: 'c-7', name: 'Ada', country: 'FR' }),
    );
    expect(dead.state).toBe('dead');
    const ok = await settled(
      t,
      await deliver(t, customers.hook, { id: 'c-8', name: 'Grace', country: 'US' }),
    );
    expect(ok.state).toBe('succeeded');
    await page.goto(`${t.url}/console/runs?integration=${encodeURIComponent(customers.id)}`);
    const rows = page.locator('#run-rows tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await expectAccessible(page);
    await screenshot(page, 'runs');
    // A new event's run appears by itself: the rows are refreshed in place.
    await settled(
      t,
      await deliver(t, customers.hook, { id: 'c-9', name: 'Edsger', country: 'NL' }),
    );
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(3);
    expect(await page.locator('#run-rows').getAttribute('data-refreshed-at')).toBeTruthy();
  });

  it('opens a dead run, shows its timeline and error, and replays it', async () => {
    await page.goto(`${t.url}/console/runs?state=dead`);
    await page.locator('#run-rows tbody tr a').first().click();
    await expect.poll(() => page.locator('.cards .state').first().textContent()).toBe('dead');
    await expect.poll(() => page.getByText('c-7').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#timeline ~ ol li').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'run');
    await page.getByText('Replay…').click();
    await page.getByRole('button', { name: 'Yes, replay' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Replayed');
    const replayId = page.url().split('/').at(-1) as string;
    const { rows: replays } = await t.junction.database.pool.query(
      'select replay_of from runs where id = $1',
      [replayId],
    );
    expect(replays[0]?.replay_of).toBe(dead.id);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('.cards .state').first().textContent();
        },
        { timeout: 30_000 },
      )
      .toBe('succeeded');
  });

  it("shows an integration's versions with a diff, and disables it behind a confirmation", async () => {
    const api = apiOf(t);
    const current = await api.get(`/v1/integrations/${customers.id}`);
    const definition = structuredClone(current.body.definition);
    definition.routes[0].steps[0].mapping.name = { var: 'event.name' };
    const updated = await api.put(`/v1/integrations/${customers.id}`, definition, {
      'if-match': current.headers.get('etag') as string,
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const rollout = await api.get(`/v1/integrations/${customers.id}/rollout`);
    const staged = await api.put(
      `/v1/integrations/${customers.id}/rollout`,
      { stage: 'shadow' },
      { 'if-match': rollout.headers.get('etag') as string },
    );
    expect(staged.status, JSON.stringify(staged.body)).toBe(200);
    await page.goto(`${t.url}/console/integrations`);
    await page.getByRole('link', { name: 'CRM customers to ERP' }).click();
    await expect.poll(() => page.locator('#rollout ~ p strong').textContent()).toBe('shadow');
    await page.getByRole('button', { name: 'Compare' }).click();
    const changed = page.locator('.diff-changed', {
      hasText: '/routes/0/steps/0/mapping/name/var',
    });
    await expect.poll(() => changed.count()).toBe(1);
    expect(await changed.textContent()).toContain('event.name');
    await expectAccessible(page);
    await screenshot(page, 'integration');
    await page.getByText('Disable…').click();
    await page.getByRole('button', { name: 'Yes, disable' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Disabled');
    const { rows } = await t.junction.database.pool.query(
      'select enabled from integrations where id = $1',
      [customers.id],
    );
    expect(rows[0].enabled).toBe(false);
    await page.getByText('Enable…').click();
    await page.getByRole('button', { name: 'Yes, enable' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Enabled');
  });

  it('shows a viewer no write buttons, and the server refuses a forged replay (403)', async () => {
    const viewer = await createToken(t, 'viewer');
    const context = await browser.newContext();
    try {
      const viewerPage = await context.newPage();
      await signIn(viewerPage, viewer.token);
      await viewerPage.goto(`${t.url}/console/runs/${dead.id}`);
      await expect
        .poll(() => viewerPage.locator('.cards .state').first().textContent())
        .toBe('dead');
      expect(await viewerPage.getByText('Replay…').count()).toBe(0);
      expect(await viewerPage.locator('form[method="post"]').count()).toBe(1); // sign-out only
      await viewerPage.goto(`${t.url}/console/runs?integration=${customers.id}`);
      expect(await viewerPage.getByText('Replay all dead runs…').count()).toBe(0);
    } finally {
      await context.close();
    }
    const forger = consoleClient(t.url);
    await forger.signIn(viewer.token);
    const before = await t.junction.database.pool.query('select count(*)::int as n from runs');
    const forged = await forger.post(`/console/runs/${dead.id}/replay`, { _csrf: forger.csrf });
    expect(forged.status).toBe(403);
    const all = await forger.post(`/console/integrations/${customers.id}/replay-dead`, {
      _csrf: forger.csrf,
    });
    expect(all.status).toBe(403);
    const after = await t.junction.database.pool.query('select count(*)::int as n from runs');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const denied = await t.junction.database.pool.query(
      "select count(*)::int as n from audit_entries where action = 'access.denied' and actor = $1",
      [`token:${viewer.id}`],
    );
    expect(denied.rows[0].n).toBe(2);
  });

  it('shows connections with secrets as set or unset only, and tests one', async () => {
    await page.goto(`${t.url}/console/connections`);
    await expect.poll(() => page.getByRole('button', { name: /^Test / }).count()).toBe(2);
    expect(await page.content()).not.toContain(CRM_KEY);
    expect(await page.content()).not.toContain('erp-token');
    expect(await page.locator('td li', { hasText: 'apiKey' }).textContent()).toContain('set');
    await expectAccessible(page);
    await screenshot(page, 'connections');
    await page.getByRole('button', { name: 'Test CRM customers to ERP ERP' }).click();
    await expect
      .poll(async () => (await page.locator('.notice, .problem').allTextContents()).join(''))
      .toContain('CRM customers to ERP ERP:');
  });

  it('verifies the audit chain with one button, and lists tokens for an admin', async () => {
    await page.goto(`${t.url}/console/audit?action=run.*`);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The chain verifies');
    await expectAccessible(page);
    await screenshot(page, 'audit');
    await page.goto(`${t.url}/console/tokens`);
    await expect
      .poll(() => page.getByRole('heading', { name: 'Tokens', exact: true }).count())
      .toBe(1);
    await expectAccessible(page);
  });

  it('signs out: the console asks for a token again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(`${t.url}/console`);
    await expect.poll(() => page.url()).toContain('/console/sign-in');
  });
});
