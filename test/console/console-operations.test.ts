import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { createToken } from '../audit/audit-support.js';
import { crm } from '../fixtures/connectors/crm.js';
import {
  erpCustomers,
  erpOrders,
  rolloutErpConnector,
} from '../fixtures/connectors/rollout-erp.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { orderSteps, rolloutHelpers } from '../rollout/rollout-support.js';
import { CRM_KEY, createTargetIntegration, deliver, settled } from '../runs/operations-support.js';
import { browserMissing, expectAccessible, screenshot } from '../support/browser.js';
import { startFakeTarget } from '../support/fake-target.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { consoleClient, signedInBrowser, signInPage } from './console-client.js';

const missing = browserMissing();
if (missing) console.warn(missing);

const orders = {
  name: 'Orders to ERP',
  trigger: orderSteps.trigger,
  routes: [{ key: 'orders', steps: [orderSteps.lookup, orderSteps.upsert] }],
};

describe.skipIf(missing !== undefined)(
  'rollout, mapping preview and unknown outcomes in the console',
  { timeout: 120_000 },
  () => {
    let t: TestJunction;
    let h: ReturnType<typeof rolloutHelpers>;
    let target: Awaited<ReturnType<typeof startFakeTarget>>;
    let browser: Browser;
    let page: Page;
    let integrationId: string;
    let customersHook: string;
    let viewer: { id: string; token: string };

    const status = () => page.locator('.notice, .problem').allTextContents();

    beforeAll(async () => {
      target = await startFakeTarget();
      t = await startTestJunction(
        {
          JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
          JUNCTION_WAIT_SWEEP_MS: '100',
          JUNCTION_SHADOW_SETTLE_MS: '0',
          JUNCTION_STEP_TIMEOUT_MS: '500',
        },
        { connectors: createStaticConnectorSource([rolloutErpConnector, crm, targetApi]) },
      );
      h = rolloutHelpers(t);
      erpCustomers.set('C1', { name: 'Ada Lovelace', tier: 'gold' });
      erpOrders.set('SO-F1', { customer: 'ADA LOVELACE', total: 21.5, status: 'open' });
      integrationId = (await h.integration(orders)).id;
      expect((await h.setStage(integrationId, { stage: 'shadow' })).status).toBe(200);
      const hook = (await h.api.get(`/v1/integrations/${integrationId}`)).body.webhookPath;
      const sent = await h.send(hook, {
        id: 'ev-SO-F1',
        number: 'SO-F1',
        customerId: 'C1',
        total: '12.50',
        status: 'open',
      });
      expect(sent.status).toBe(202);
      await until(
        async () =>
          (
            await h.query('select id from rollout_discrepancies where integration_id = $1', [
              integrationId,
            ])
          )[0],
      );
      const crmConnection = await h.api.post('/v1/connections', {
        name: 'CRM',
        connector: 'test-crm',
        credentials: { apiKey: CRM_KEY },
      });
      const erp = await h.api.post('/v1/connections', {
        name: 'ERP',
        connector: 'test-target',
        credentials: { token: 'erp-token' },
        settings: { baseUrl: target.url },
      });
      customersHook = await createTargetIntegration(h.api, {
        name: 'Customers without idempotency keys',
        crm: crmConnection.body.id,
        erp: erp.body.id,
        action: 'create-customer-unkeyed',
      });
      viewer = await createToken(t, 'viewer');
      ({ browser, page } = await signedInBrowser(t.url, ADMIN_TOKEN));
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await target?.close();
    });

    it("previews each step's mapping on sample data, with the data's problems beside it", async () => {
      await page.goto(`${t.url}/console/integrations/${integrationId}`);
      const sample = page.getByLabel('Sample data (JSON: what the mappings read)');
      await sample.fill('{"event": {"number": "SO-9", ');
      await page.getByRole('button', { name: 'Preview the mappings' }).click();
      await expect
        .poll(() => page.locator('#sample-error').textContent())
        .toContain('not valid JSON');
      expect(await sample.getAttribute('aria-invalid')).toBe('true');
      expect(await sample.inputValue()).toBe('{"event": {"number": "SO-9", ');
      await sample.fill(
        JSON.stringify({
          event: { number: 'SO-9', customerId: 'C1', total: '7.25', status: 'open' },
          steps: { customer: { name: 'Grace Hopper' } },
        }),
      );
      await page.getByRole('button', { name: 'Preview the mappings' }).click();
      const order = page.getByRole('article', { name: 'Step orders/order' });
      await expect.poll(() => order.locator('pre').textContent()).toContain('GRACE HOPPER');
      expect(JSON.parse((await order.locator('pre').textContent()) as string)).toEqual({
        number: 'SO-9',
        customer: 'GRACE HOPPER',
        total: 7.25,
        status: 'open',
      });
      const customer = page.getByRole('article', { name: 'Step orders/customer' });
      expect(JSON.parse((await customer.locator('pre').textContent()) as string)).toEqual({
        id: 'C1',
      });
      await expectAccessible(page);
      await page.locator('#preview').scrollIntoViewIfNeeded();
      await screenshot(page, 'mapping-preview');
      // A missing value is named against the action's input fields.
      await sample.fill('{"event": {"number": "SO-10"}}');
      await page.getByRole('button', { name: 'Preview the mappings' }).click();
      await expect.poll(() => order.locator('.error').count()).toBeGreaterThan(0);
      expect(await order.locator('.error').textContent()).toMatch(/\/mapping\/customer/);
    });

    it('opens a discrepancy of the shadow report, and marks it explained', async () => {
      await page.goto(`${t.url}/console/integrations/${integrationId}`);
      await page.locator('#rollout ~ table a', { hasText: 'field' }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Discrepancy field');
      expect(await page.locator('pre').allTextContents()).toEqual(['12.5', '21.5']);
      await expectAccessible(page);
      await screenshot(page, 'discrepancy');
      // Without a reason: refused, nothing changes (the browser asks first; a forged form gets this).
      const admin = consoleClient(t.url);
      await admin.signIn(ADMIN_TOKEN);
      const [open] = await h.query('select id from rollout_discrepancies');
      const empty = await admin.post(`/console/discrepancies/${open.id}/explain`, {
        _csrf: admin.csrf,
        reason: '  ',
      });
      expect(empty.status).toBe(303);
      expect(decodeURIComponent(empty.headers.getSetCookie().join(';'))).toContain(
        'why the difference is expected',
      );
      expect(
        (await h.query('select explained_at from rollout_discrepancies'))[0].explained_at,
      ).toBeNull();
      await page.getByLabel(/Why this difference is expected/).fill('Typed by hand; ERP corrected');
      await page.getByRole('button', { name: 'Mark explained' }).click();
      await expect.poll(status).toEqual(['Marked explained.']);
      const [row] = await h.query(
        'select explained_by, explanation from rollout_discrepancies where integration_id = $1',
        [integrationId],
      );
      expect(row).toEqual({
        explained_by: 'token:admin-env',
        explanation: 'Typed by hand; ERP corrected',
      });
      const audit = await h.query(
        "select count(*)::int as n from audit_entries where action = 'rollout.discrepancy.explain'",
      );
      expect(audit[0].n).toBe(1);
    });

    it('changes the rollout stage behind a confirmation, and refuses a sampled stage without its share', async () => {
      await page.goto(`${t.url}/console/integrations/${integrationId}`);
      await page.getByText('Change stage…').click();
      await page.getByLabel('New stage').selectOption('sampled');
      await page.getByRole('button', { name: 'Yes, change the stage' }).click();
      await expect.poll(status).toEqual([expect.stringContaining('share over 0')]);
      expect(await h.query('select stage from integration_rollouts')).toEqual([
        { stage: 'shadow' },
      ]);
      await page.getByText('Change stage…').click();
      await page.getByLabel('New stage').selectOption('review-all');
      await page.getByLabel(/^Why/).fill('Shadow matched for a week');
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Yes, change the stage' }).click();
      await expect.poll(status).toEqual(['The stage is now review-all.']);
      await expect.poll(() => page.locator('#rollout ~ p strong').textContent()).toBe('review-all');
      const [entry] = await h.query(
        "select actor, data->'after'->>'stage' as stage, data->>'reason' as reason from audit_entries where action = 'integration.rollout.stage' and data->'after'->>'stage' = 'review-all'",
      );
      expect(entry).toEqual({
        actor: 'token:admin-env',
        stage: 'review-all',
        reason: 'Shadow matched for a week',
      });
      // A form made before that change names an older revision: refused, as If-Match is.
      const admin = consoleClient(t.url);
      await admin.signIn(ADMIN_TOKEN);
      const stale = await admin.post(`/console/integrations/${integrationId}/stage`, {
        _csrf: admin.csrf,
        stage: 'auto',
        revision: '1',
      });
      expect(stale.status).toBe(303);
      expect(decodeURIComponent(stale.headers.getSetCookie().join(';'))).toContain(
        'changed meanwhile',
      );
      expect(await h.query('select stage from integration_rollouts')).toEqual([
        { stage: 'review-all' },
      ]);
    });

    it('decides a run whose outcome is unknown from its page: mark done with the output found', async () => {
      const held = target.holdNext();
      const eventId = await deliver(t, customersHook, { id: '41', name: 'Ada', country: 'FR' });
      await held.arrived;
      const run = await settled(t, eventId, ['unknown']);
      held.answer();
      await page.goto(`${t.url}/console/runs/${run.id}`);
      await expect.poll(() => page.locator('.cards .state').first().textContent()).toBe('unknown');
      await expectAccessible(page);
      await page.getByText('Mark done…').click();
      await page.getByLabel(/output as the target holds it/).fill('{"id": ');
      await page.getByRole('button', { name: 'Yes, mark done' }).click();
      await expect.poll(status).toEqual([expect.stringContaining('not valid JSON')]);
      expect((await h.query('select state from runs where id = $1', [run.id]))[0].state).toBe(
        'unknown',
      );
      await page.getByText('Mark done…').click();
      await page.getByLabel(/output as the target holds it/).fill('{"id": "T-41"}');
      await page.getByRole('button', { name: 'Yes, mark done' }).click();
      await expect.poll(status).toEqual([expect.stringContaining('Marked done')]);
      await until(
        async () =>
          (await h.query('select state from runs where id = $1', [run.id]))[0].state ===
          'succeeded',
      );
      const [entry] = await h.query(
        "select actor from audit_entries where action = 'run.decide' and run_id = $1",
        [run.id],
      );
      expect(entry).toEqual({ actor: 'token:admin-env' });
      // Send again: the step is sent once more and the run goes on.
      const again = target.holdNext();
      const second = await deliver(t, customersHook, { id: '42', name: 'Grace', country: 'US' });
      await again.arrived;
      const unknown = await settled(t, second, ['unknown']);
      again.answer();
      const admin = consoleClient(t.url);
      await admin.signIn(ADMIN_TOKEN);
      await admin.get(`/console/runs/${unknown.id}`);
      const sent = await admin.post(`/console/runs/${unknown.id}/decide`, {
        _csrf: admin.csrf,
        decision: 'send-again',
      });
      expect(sent.status).toBe(303);
      await until(
        async () =>
          (await h.query('select state from runs where id = $1', [unknown.id]))[0].state ===
          'succeeded',
      );
      expect(
        target.requests.filter((r) => r.method === 'POST' && r.body.number === 'C-42'),
      ).toHaveLength(2);
    });

    it('shows a viewer none of these controls, and refuses each forged change (403)', async () => {
      const context = await browser.newContext();
      try {
        const p = await context.newPage();
        await signInPage(p, t.url, viewer.token);
        await p.goto(`${t.url}/console/integrations/${integrationId}`);
        await expect.poll(() => p.locator('#rollout ~ p strong').textContent()).toBe('review-all');
        expect(await p.getByText('Change stage…').count()).toBe(0);
        // The preview reads only: a viewer may use it.
        expect(await p.getByRole('button', { name: 'Preview the mappings' }).count()).toBe(1);
        await p.locator('#rollout ~ table a', { hasText: 'field' }).click();
        await expect.poll(() => p.locator('pre').count()).toBe(2);
        expect(await p.getByRole('button', { name: 'Mark explained' }).count()).toBe(0);
      } finally {
        await context.close();
      }
      const forger = consoleClient(t.url);
      await forger.signIn(viewer.token);
      const [d] = await h.query('select id from rollout_discrepancies');
      const [unknownRun] = await h.query("select id from runs where state = 'succeeded' limit 1");
      const forged = [
        await forger.post(`/console/integrations/${integrationId}/stage`, {
          _csrf: forger.csrf,
          stage: 'auto',
          revision: '2',
        }),
        await forger.post(`/console/discrepancies/${d.id}/explain`, {
          _csrf: forger.csrf,
          reason: 'forged',
        }),
        await forger.post(`/console/runs/${unknownRun.id}/decide`, {
          _csrf: forger.csrf,
          decision: 'send-again',
        }),
      ];
      expect(forged.map((r) => r.status)).toEqual([403, 403, 403]);
      expect(await h.query('select stage from integration_rollouts')).toEqual([
        { stage: 'review-all' },
      ]);
      const denied = await h.query(
        "select count(*)::int as n from audit_entries where action = 'access.denied' and actor = $1",
        [`token:${viewer.id}`],
      );
      expect(denied[0].n).toBe(3);
    });
  },
);
