import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { apiOf } from '../support/api.js';
import { expectAccessible, screenshot } from '../support/browser.js';
import { maria } from '../sync/sync-support.js';
import { consoleClient, signedInBrowser } from './console-client.js';
import { useSyncConsole } from './console-sync-support.js';

const { s, f, skip } = await useSyncConsole();

describe.skipIf(skip)('syncs in the console, read-only', { timeout: 120_000 }, () => {
  let browser: Browser;
  let page: Page;
  let syncId: string;
  let name: string;
  let reconciliation: { counts: Record<string, number>; seen: { a: number; b: number } };

  beforeAll(async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name, phone) values
        ('ann@crm.test', 'Ann', '1'), ('bo@crm.test', 'Bo', '2'), ('cy@crm.test', 'Cy', '3')`);
    await maria(`insert into ${erp} (email, name, phone) values
        ('dee@erp.test', 'Dee', '4'), ('eve@erp.test', 'Eve', '5')`);
    name = `sync ${crm}`;
    syncId = await f.createSync(f.definition(crm, erp));
    await f.tick(syncId); // five links: each side gets what it lacked
    await f.tick(syncId); // its own writes come back as echoes
    // Both sides edit Bo: the sync parks the conflict.
    await s.pg(`update ${crm} set phone = '22', updated_at = now() where email = 'bo@crm.test'`);
    await maria(`update ${erp} set name = 'Bo Brown' where email = 'bo@crm.test'`);
    await f.tick(syncId);
    // A row change detection will not see (modified before where it reads from): drift, which
    // a reconciliation (run here as its job would) reports.
    await s.pg(
      `insert into ${crm} (email, full_name, phone, updated_at) values ('fay@crm.test', 'Fay', '6', '2001-01-01')`,
    );
    const started = await apiOf(s.t).post(`/v1/syncs/${syncId}/reconciliations`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await s.t.junction.services.bulk.reconcileTask(
      { reconciliationId: started.body.id },
      { last: true },
    );
    reconciliation = (
      await apiOf(s.t).get(`/v1/syncs/${syncId}/reconciliations/${started.body.id}`)
    ).body as typeof reconciliation;
    expect(reconciliation).toMatchObject({ state: 'succeeded', counts: { only_a: 1 } });
    const viewer = await createToken(s.t, 'viewer');
    ({ browser, page } = await signedInBrowser(s.t.url, viewer.token));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('lists each sync with its sides, links, links needing a look and open conflicts', async () => {
    await page.goto(`${s.t.url}/console/syncs`);
    const row = page.locator('tr', { hasText: name });
    await expect.poll(() => row.count()).toBe(1);
    const cells = (await row.locator('td').allTextContents()).map((c) => c.trim());
    expect(cells).toEqual([
      'enabled',
      expect.stringMatching(/^postgres table_row crm_/),
      '↔ both',
      expect.stringMatching(/^mysql table_row erp_/),
      '5',
      '1 conflict',
      '1',
    ]);
    expect(await page.locator('form[method="post"]').count()).toBe(1); // sign-out only
    await expectAccessible(page);
    await screenshot(page, 'syncs');
  });

  it("shows one sync's cursors, the open conflict with both records and the base, and its drift", async () => {
    await page.getByRole('link', { name }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe(`Sync ${name}`);
    expect(await page.locator('#cursors ~ table tbody th').allTextContents()).toEqual(['A', 'B']);
    const conflict = page.locator('#conflicts ~ table tbody tr');
    expect(await conflict.count()).toBe(1);
    await conflict.getByText('Records').click();
    const records = (await conflict.locator('pre').textContent()) as string;
    expect(records).toContain('Bo Brown');
    expect(records).toContain('"22"');
    // The latest reconciliation's drift report: its counts and items as the API has them.
    const drift = page.locator('#drift ~ p').first();
    expect(await drift.textContent()).toContain(
      `${reconciliation.seen.a} records read on A, ${reconciliation.seen.b} on B`,
    );
    expect(await drift.textContent()).toContain('only on A: 1');
    const total = Object.values(reconciliation.counts).reduce((n, c) => n + c, 0);
    const items = page.locator('#drift ~ table tbody tr');
    expect(await items.count()).toBe(total);
    expect(await items.filter({ hasText: 'only on A' }).count()).toBe(1);
    await page.locator('#drift').scrollIntoViewIfNeeded();
    await screenshot(page, 'sync-drift');
    await expectAccessible(page);
    await screenshot(page, 'sync');
  });

  it('refuses a token without read (a reviewer) and answers an unknown sync with 404', async () => {
    const reviewer = await createToken(s.t, 'reviewer');
    const client = consoleClient(s.t.url);
    await client.signIn(reviewer.token);
    expect((await client.get('/console/syncs')).status).toBe(403);
    const admin = consoleClient(s.t.url);
    await admin.signIn((await createToken(s.t, 'admin')).token);
    expect((await admin.get('/console/syncs/syn_nope')).status).toBe(404);
  });
});
