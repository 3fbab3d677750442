import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { ledger, ledgerConnector } from '../fixtures/connectors/ledger.js';
import { apiOf } from '../support/api.js';
import { browserMissing, expectAccessible, launchBrowser, screenshot } from '../support/browser.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { consoleClient, signInPage } from './console-client.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)(
  'the review queue in a browser',
  { timeout: 120_000 },
  () => {
    let t: TestJunction;
    let browser: Browser;
    let page: Page;
    let invoices: { id: string; hook: string };
    let reviewer: { id: string; token: string };
    let viewer: { id: string; token: string };
    const runs: string[] = [];

    const query = async (text: string, values: unknown[] = []) =>
      (await t.junction.database.pool.query(text, values)).rows;

    async function invoice(fields: Record<string, unknown>) {
      const res = await t.request(invoices.hook, {
        method: 'POST',
        token: null,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ supplier: 'Acme', confidence: 0.5, ...fields }),
      });
      expect(res.status).toBe(202);
      return until(async () => {
        const [run] = await query(
          `select r.id from runs r join events e on e.id = r.event_id
          where e.dedupe_key = $1 and r.state = 'waiting'`,
          [fields.id],
        );
        return run?.id as string | undefined;
      });
    }

    beforeAll(async () => {
      t = await startTestJunction(
        { JUNCTION_WORKER_POLL_INTERVAL_MS: '100', JUNCTION_WAIT_SWEEP_MS: '100' },
        { connectors: createStaticConnectorSource([ledgerConnector]) },
      );
      const api = apiOf(t);
      const created = await api.post('/v1/integrations', {
        name: 'Supplier invoices',
        trigger: { connector: 'test-ledger', trigger: 'invoice-received' },
        review: { slaSeconds: 3600 },
        routes: [
          {
            key: 'all',
            steps: [
              {
                kind: 'action',
                key: 'write',
                connector: 'test-ledger',
                action: 'write-invoice',
                mapping: {
                  number: { var: 'event.number' },
                  supplier: { var: 'event.supplier' },
                  amount: { var: 'event.amount' },
                },
                gate: { review: { '<': [{ var: 'event.confidence' }, 0.8] } },
              },
            ],
          },
        ],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
        'if-match': created.headers.get('etag') as string,
      });
      expect(enabled.status).toBe(200);
      invoices = { id: created.body.id, hook: created.body.webhookPath };
      const made = await api.post('/v1/tokens', {
        name: 'Rita (accounts payable)',
        role: 'reviewer',
        integrations: [invoices.id],
      });
      reviewer = { id: made.body.id, token: made.body.token };
      const looker = await api.post('/v1/tokens', { name: 'Vic', role: 'viewer' });
      viewer = { id: looker.body.id, token: looker.body.token };
      ledger.set('INV-101', { supplier: 'Acme', amount: 90 });
      runs.push(await invoice({ id: 'e101', number: 'INV-101', amount: 120, confidence: 0.41 }));
      runs.push(await invoice({ id: 'e102', number: 'INV-102', amount: 75, confidence: 0.62 }));
      runs.push(await invoice({ id: 'e103', number: 'INV-103', amount: 30, confidence: 0.7 }));
      browser = await launchBrowser();
      page = await browser.newPage();
      page.setDefaultTimeout(20_000);
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('shows a reviewer only the queue of their integrations, with SLA badges', async () => {
      await page.goto(`${t.url}/console/sign-in`);
      await page.getByLabel('API token').fill(reviewer.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/console\/reviews$/);
      const nav = page.getByRole('navigation', { name: 'Console sections' });
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Review queue']);
      await expect.poll(() => page.locator('#review-rows tbody tr').count()).toBe(3);
      expect(await page.locator('#review-rows .badge-ok').count()).toBe(3);
      await expectAccessible(page);
      await screenshot(page, 'reviews');
    });

    it('claims with the keyboard, shows the diff, refuses a bad edit beside its field, approves a good one', async () => {
      await page.locator('#review-rows tbody tr a').first().click();
      await expect.poll(() => page.locator('.diff-changed').count()).toBe(1);
      expect(await page.locator('.diff-changed').textContent()).toContain('/amount');
      await expectAccessible(page);
      await page.keyboard.press('c');
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Claimed');
      await expect.poll(() => page.getByLabel('amount', { exact: true }).count()).toBe(1);
      await screenshot(page, 'review');
      await page.keyboard.press('e');
      const amount = page.getByLabel('amount', { exact: true });
      await expect
        .poll(() => amount.evaluate((el) => el === el.ownerDocument.activeElement))
        .toBe(true);
      await amount.fill('-5');
      await page.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => amount.getAttribute('aria-invalid')).toBe('true');
      const error = await page
        .locator(`#${await amount.getAttribute('aria-describedby')}`)
        .textContent();
      expect(error).toMatch(/amount/);
      expect(await amount.inputValue()).toBe('-5');
      await expectAccessible(page);
      const [before] = await query('select state from review_items where run_id = $1', [runs[0]]);
      expect(before.state).toBe('open');
      await amount.fill('110');
      await page.keyboard.press('Escape');
      await page.locator('body').click();
      await page.keyboard.press('a');
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Approved');
      await until(async () => ledger.get('INV-101')?.amount === 110);
      const [decided] = await query('select state, edited from review_items where run_id = $1', [
        runs[0],
      ]);
      expect(decided).toMatchObject({ state: 'approved', edited: { amount: 110 } });
    });

    it('rejects with a reason, and approves the rest in bulk', async () => {
      // Approving moved to the next open item.
      await expect.poll(() => page.getByText('INV-102').count()).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Claim' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Claimed');
      await page.keyboard.press('r');
      await expect
        .poll(() =>
          page
            .getByLabel('Reason for rejecting')
            .evaluate((el) => el === el.ownerDocument.activeElement),
        )
        .toBe(true);
      await page.keyboard.type('Duplicate of INV-99');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Rejected');
      await page.goto(`${t.url}/console/reviews`);
      await expect.poll(() => page.locator('#review-rows tbody tr').count()).toBe(1);
      await page.getByLabel('Select every item on this page').check();
      await page.getByRole('button', { name: 'Approve the ticked items' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Approved 1 item');
      await until(async () => ledger.get('INV-103')?.amount === 30);
      expect(ledger.has('INV-102')).toBe(false);
      const decisions = await query(
        `select action, count(*)::int as n from audit_entries
        where actor = $1 and action like 'review.%' group by action order by action`,
        [`token:${reviewer.id}`],
      );
      expect(decisions).toEqual([
        { action: 'review.approve', n: 2 },
        { action: 'review.claim', n: 2 },
        { action: 'review.reject', n: 1 },
      ]);
    });

    it('shows a viewer the queue without decisions, and refuses a forged approval (403)', async () => {
      const extra = await invoice({ id: 'e104', number: 'INV-104', amount: 10 });
      const [item] = await query('select id from review_items where run_id = $1', [extra]);
      const user = consoleClient(t.url);
      await user.signIn(viewer.token);
      const seen = await user.get(`/console/reviews/${item.id}`);
      expect(seen.status).toBe(200);
      expect(seen.text).toContain('INV-104');
      expect(seen.text).not.toContain('>Approve<');
      expect(seen.text).not.toContain('>Claim<');
      const forged = await user.post(`/console/reviews/${item.id}/approve`, { _csrf: user.csrf });
      expect(forged.status).toBe(403);
      const bulk = await user.post('/console/reviews/approve', { _csrf: user.csrf, ids: item.id });
      expect(bulk.status).toBe(403);
      const [still] = await query('select state from review_items where id = $1', [item.id]);
      expect(still.state).toBe('open');
    });

    it('lets an operator reassign an open item, refusing a token that cannot decide it', async () => {
      const [item] = await query(
        "select r.id from review_items r join runs u on u.id = r.run_id join events e on e.id = u.event_id where e.dedupe_key = 'e104'",
      );
      const operator = await apiOf(t).post('/v1/tokens', { name: 'Olga', role: 'operator' });
      const context = await browser.newContext();
      try {
        const p = await context.newPage();
        await signInPage(p, t.url, operator.body.token);
        await p.goto(`${t.url}/console/reviews/${item.id}`);
        await p
          .getByLabel('Give this item to')
          .selectOption({ label: 'Rita (accounts payable) (reviewer)' });
        await expectAccessible(p);
        await p.getByRole('button', { name: 'Reassign' }).click();
        await expect
          .poll(() => p.getByRole('status').textContent())
          .toContain(`Given to ${reviewer.id}`);
        await p.getByLabel('Give this item to').selectOption('');
        await p.getByRole('button', { name: 'Reassign' }).click();
        await expect.poll(() => p.getByRole('status').textContent()).toContain('Taken back');
      } finally {
        await context.close();
      }
      const assigns = await query(
        "select actor, data->'after'->>'assignee' as assignee from audit_entries where action = 'review.assign' and subject_id = $1 order by at",
        [item.id],
      );
      expect(assigns).toEqual([
        { actor: `token:${operator.body.id}`, assignee: reviewer.id },
        { actor: `token:${operator.body.id}`, assignee: null },
      ]);
      // A viewer's token cannot decide reviews: refused with the reason, nothing changes.
      const user = consoleClient(t.url);
      await user.signIn(operator.body.token);
      const bad = await user.post(`/console/reviews/${item.id}/assign`, {
        _csrf: user.csrf,
        assignee: viewer.id,
      });
      expect(bad.status).toBe(303);
      expect(decodeURIComponent(bad.headers.getSetCookie().join(';'))).toContain(
        'cannot decide reviews',
      );
      // A viewer sees no reassign form, and a forged one is refused.
      const looker = consoleClient(t.url);
      await looker.signIn(viewer.token);
      expect((await looker.get(`/console/reviews/${item.id}`)).text).not.toContain('Reassign');
      const forged = await looker.post(`/console/reviews/${item.id}/assign`, {
        _csrf: looker.csrf,
        assignee: reviewer.id,
      });
      expect(forged.status).toBe(403);
      const [still] = await query('select assignee from review_items where id = $1', [item.id]);
      expect(still.assignee).toBeNull();
    });
  },
);
