import { describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { expectAccessible, screenshot } from '../support/browser.js';
import { maria } from '../sync/sync-support.js';
import { consoleClient, signInPage } from './console-client.js';
import { useSyncConsole } from './console-sync-support.js';

const sc = await useSyncConsole();
const { s, f, query, count } = sc;

describe.skipIf(sc.skip)(
  "settling a sync's flagged links in the console",
  { timeout: 120_000 },
  () => {
    let syncId: string;
    let erp: string;
    let editor: { id: string; token: string };
    /** The link of the CRM record with this email (its key on A). */
    const linkOf = async (email: string) => {
      const [row] = await s.pg(`select id::text from ${crmTable} where email = $1`, [email]);
      return (
        await query(
          'select id::text, b_key, state, note from sync_links where sync_id = $1 and a_key = $2',
          [syncId, row?.id],
        )
      )[0] as { id: string; b_key: string | null; state: string; note: string | null } | undefined;
    };
    let crmTable: string;
    const waiting = () => `/console/syncs/${syncId}/links`;

    it('lists the links the delete policy flagged, linked from the sync, and relinks one to a record', async () => {
      const tables = await f.tables();
      crmTable = tables.crm;
      erp = tables.erp;
      await s.pg(`insert into ${crmTable} (email, full_name) values
      ('ann@crm.test', 'Ann'), ('bo@crm.test', 'Bo'), ('cy@crm.test', 'Cy')`);
      syncId = await f.createSync(f.definition(crmTable, erp));
      await f.tick(syncId); // the ERP gets three records
      await f.tick(syncId); // their echoes
      // The ERP deletes all three: the delete policy (flag) leaves the links to a person.
      await maria(`delete from ${erp}`);
      await f.scanDeletesNow(syncId);
      await f.tick(syncId);
      expect(await count(`sync_links where sync_id = $1 and state = 'flagged'`, [syncId])).toBe(3);
      editor = await createToken(s.t, 'editor');
      const context = await sc.people.browser.newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(20_000);
        await signInPage(page, s.t.url, editor.token);
        await page.goto(`${s.t.url}/console/syncs/${syncId}`);
        await page.getByRole('link', { name: 'the flagged and archived links, to settle' }).click();
        const rows = page.locator('main table tbody tr');
        await expect.poll(() => rows.count()).toBe(3);
        expect(await rows.first().locator('td').nth(0).textContent()).toBe('flagged');
        await expectAccessible(page);
        await screenshot(page, 'sync-links');
        // Ann comes back in the ERP under another email: her link is given that record.
        await maria(`insert into ${erp} (email, name) values ('ann@erp.test', 'Ann')`);
        const [made] = await maria(`select id from ${erp} where email = 'ann@erp.test'`);
        const ann = (await linkOf('ann@crm.test')) as { id: string };
        const row = rows.filter({
          has: page.getByRole('rowheader', { name: ann.id, exact: true }),
        });
        await row.getByLabel('Relink side').selectOption('b');
        await row.getByLabel('to the record').fill(String(made?.id));
        await row.getByRole('button', { name: 'Relink' }).click();
        await expect
          .poll(() => page.locator('.notice').textContent())
          .toBe(
            `Link ${ann.id}: Relinked: the link syncs again from both records as they are now.`,
          );
        expect(await linkOf('ann@crm.test')).toMatchObject({
          b_key: String(made?.id),
          state: 'active',
          note: null,
        });
        await expect.poll(() => rows.count()).toBe(2);
        expect(
          await count(`audit_entries where action = 'sync.link.relink' and actor = $1`, [
            `token:${editor.id}`,
          ]),
        ).toBe(1);

        // Bo's ERP record is gone: clearing is refused with the reason, nothing changes.
        const bo = (await linkOf('bo@crm.test')) as { id: string };
        const boRow = rows.filter({
          has: page.getByRole('rowheader', { name: bo.id, exact: true }),
        });
        await boRow.getByText('Clear…').click();
        await boRow.getByRole('button', { name: 'Yes, clear' }).click();
        await expect
          .poll(() => page.locator('[role="alert"]').textContent())
          .toMatch(
            new RegExp(`^Link ${bo.id}: Record \\d+ of side b is gone: .* Nothing was changed\\.$`),
          );
        expect(await linkOf('bo@crm.test')).toMatchObject({ state: 'flagged' });

        // Cy is unlinked: the next backfill or change treats the record as new.
        const cy = (await linkOf('cy@crm.test')) as { id: string };
        const cyRow = rows.filter({
          has: page.getByRole('rowheader', { name: cy.id, exact: true }),
        });
        await cyRow.getByText('Unlink…').click();
        await cyRow.getByRole('button', { name: 'Yes, unlink' }).click();
        await expect
          .poll(() => page.locator('.notice').textContent())
          .toBe(
            `Link ${cy.id}: Unlinked: the next backfill or change of either record treats it as new.`,
          );
        expect(await linkOf('cy@crm.test')).toBeUndefined();
      } finally {
        await context.close();
      }
    });

    it('answers a relink without a side or key, and a page that does not exist, with a sentence', async () => {
      const bo = (await linkOf('bo@crm.test')) as { id: string };
      const client = consoleClient(s.t.url);
      await client.signIn(editor.token);
      await client.get(waiting());
      const auditBefore = await count('audit_entries where subject_id = $1', [syncId]);
      const bad: Record<string, string>[] = [{ side: 'c', key: '1' }, { side: 'b', key: ' ' }, {}];
      for (const fields of bad) {
        const res = await client.post(`${waiting()}/${bo.id}/relink`, {
          _csrf: client.csrf,
          ...fields,
        });
        expect(res.status).toBe(303);
        expect(decodeURIComponent(res.headers.getSetCookie().join(';'))).toContain(
          `Link ${bo.id}: say which side (A or B) and the key of its record to relink to. Nothing was changed.`,
        );
      }
      const missing = await client.post(`${waiting()}/${bo.id}/relink`, {
        _csrf: client.csrf,
        side: 'b',
        key: '987654',
      });
      expect(decodeURIComponent(missing.headers.getSetCookie().join(';'))).toContain(
        'side b has no record with key 987654',
      );
      expect(await linkOf('bo@crm.test')).toMatchObject({ state: 'flagged' });
      expect(await count('audit_entries where subject_id = $1', [syncId])).toBe(auditBefore);
      expect(
        (await client.post(`${waiting()}/99999999/clear`, { _csrf: client.csrf })).status,
      ).toBe(404);
      expect((await client.get(`${waiting()}?after=abc`)).status).toBe(400);
    });

    it('shows an operator (no config:write) no way to settle, and refuses its forged posts', async () => {
      const bo = (await linkOf('bo@crm.test')) as { id: string };
      const { page, operator } = sc.people;
      await page.goto(`${s.t.url}${waiting()}`);
      await expect.poll(() => page.locator('main table tbody tr').count()).toBe(1);
      expect(await page.locator('main form[method="post"]').count()).toBe(0);
      const forger = consoleClient(s.t.url);
      await forger.signIn(operator.token);
      const forged = await Promise.all(
        ['relink', 'clear', 'unlink'].map((action) =>
          forger.post(`${waiting()}/${bo.id}/${action}`, {
            _csrf: forger.csrf,
            side: 'b',
            key: '1',
          }),
        ),
      );
      expect(forged.map((r) => r.status)).toEqual([403, 403, 403]);
      expect(await linkOf('bo@crm.test')).toMatchObject({ state: 'flagged' });
      expect(
        await count(`audit_entries where action = 'access.denied' and actor = $1`, [
          `token:${operator.id}`,
        ]),
      ).toBe(3);
    });
  },
);
