import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { apiOf } from '../support/api.js';
import { browserMissing, expectAccessible, screenshot } from '../support/browser.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { consoleClient, signedInBrowser } from './console-client.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)(
  'syncs in the console, read-only',
  { timeout: 120_000 },
  () => {
    let t: TestJunction;
    let browser: Browser;
    let page: Page;
    let syncId: string;

    const query = async (text: string, values: unknown[] = []) =>
      (await t.junction.database.pool.query(text, values)).rows;

    beforeAll(async () => {
      t = await startTestJunction();
      const api = apiOf(t);
      const connection = await api.post('/v1/connections', {
        name: 'CRM and ERP database',
        connector: 'postgres',
        credentials: { connectionString: t.database.url },
      });
      expect(connection.status, JSON.stringify(connection.body)).toBe(201);
      const side = (table: string) => ({
        connector: 'postgres',
        connection: connection.body.id,
        recordType: 'table_row',
        settings: { table, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      });
      const created = await api.post('/v1/syncs', {
        name: 'CRM contacts <-> ERP customers',
        a: side('crm_contacts'),
        b: side('erp_customers'),
        direction: 'both',
        mappings: {
          aToB: { values: { object: [['email', { var: 'record.values.email' }]] } },
          bToA: { values: { object: [['email', { var: 'record.values.email' }]] } },
        },
        match: { a: 'values.email', b: 'values.email' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      syncId = created.body.id;
      // What the sync engine records as it runs: links (three active, one parked in a conflict,
      // one flagged delete), a conflict and side A's cursor.
      await query(
        `insert into sync_links (sync_id, a_key, b_key, state)
       select $1, 'c' || n, 'e' || n,
              case n when 4 then 'conflict' when 5 then 'flagged' else 'active' end
         from generate_series(1, 5) n`,
        [syncId],
      );
      const [link] = await query("select id from sync_links where state = 'conflict'");
      await query(
        `insert into sync_conflicts (id, sync_id, link_id, a_key, b_key, base, a_record, b_record)
       values ('cf_1', $1, $2, 'c4', 'e4', '{"a": {"email": "ada@old.example"}, "b": null}',
               '{"email": "ada@crm.example"}', '{"email": "ada@erp.example"}')`,
        [syncId, link.id],
      );
      await query(
        `insert into sync_cursors (sync_id, side, position, scanned_at)
       values ($1, 'a', '{"after": "2026-12-06T10:00:00Z"}', now())`,
        [syncId],
      );
      const viewer = await createToken(t, 'viewer');
      ({ browser, page } = await signedInBrowser(t.url, viewer.token));
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('lists each sync with its sides, links, links needing a look and open conflicts', async () => {
      await page.goto(`${t.url}/console/syncs`);
      const row = page.locator('tr', { hasText: 'CRM contacts <-> ERP customers' });
      await expect.poll(() => row.count()).toBe(1);
      const cells = (await row.locator('td').allTextContents()).map((c) => c.trim());
      expect(cells).toEqual([
        'disabled',
        'postgres table_row crm_contacts',
        '↔ both',
        'postgres table_row erp_customers',
        '5',
        '1 conflict, 1 flagged',
        '1',
      ]);
      expect(await page.locator('form[method="post"]').count()).toBe(1); // sign-out only
      await expectAccessible(page);
      await screenshot(page, 'syncs');
    });

    it("shows one sync's cursors, open conflicts with both records, and its definition", async () => {
      await page.getByRole('link', { name: 'CRM contacts <-> ERP customers' }).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Sync CRM contacts <-> ERP customers');
      const cursor = page.locator('#cursors ~ table tbody tr');
      expect(await cursor.count()).toBe(1);
      expect(await cursor.textContent()).toContain('2026-12-06T10:00:00Z');
      const conflict = page.locator('#conflicts ~ table tbody tr');
      expect(await conflict.count()).toBe(1);
      await conflict.getByText('Records').click();
      expect(await conflict.locator('pre').textContent()).toContain('ada@erp.example');
      await expectAccessible(page);
      await screenshot(page, 'sync');
    });

    it('refuses a token without read (a reviewer) and answers an unknown sync with 404', async () => {
      const reviewer = await createToken(t, 'reviewer');
      const client = consoleClient(t.url);
      await client.signIn(reviewer.token);
      expect((await client.get('/console/syncs')).status).toBe(403);
      const admin = consoleClient(t.url);
      await admin.signIn((await createToken(t, 'admin')).token);
      expect((await admin.get('/console/syncs/syn_nope')).status).toBe(404);
    });
  },
);
