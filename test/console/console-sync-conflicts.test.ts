import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, screenshot } from '../support/browser.js';
import { maria } from '../sync/sync-support.js';
import { consoleClient, signInPage } from './console-client.js';
import { useSyncConsole } from './console-sync-support.js';

const sc = await useSyncConsole();
const { s, f, query } = sc;

describe.skipIf(sc.skip)(
  "resolving a sync's parked conflicts in the console",
  { timeout: 120_000 },
  () => {
    let syncId: string;
    let crm: string;
    let erp: string;
    /** The conflict parked for the CRM record with this email. */
    const conflictOf = async (email: string) =>
      (
        await query(
          `select id, state, resolved_by, resolution from sync_conflicts
           where sync_id = $1 and a_record->'values'->>'email' = $2`,
          [syncId, email],
        )
      )[0] as { id: string; state: string; resolved_by: string | null; resolution: unknown };
    const rowsOf = async (email: string) => ({
      crm: (await s.pg(`select full_name, phone from ${crm} where email = $1`, [email]))[0],
      erp: (await maria(`select name, phone from ${erp} where email = ?`, [email]))[0],
    });
    const resolvedCount = async () =>
      (
        await query(
          `select count(*)::int as n from audit_entries
           where action = 'sync.conflict.resolve' and subject_id = $1`,
          [syncId],
        )
      )[0].n as number;

    beforeAll(async () => {
      ({ crm, erp } = await f.tables());
      await s.pg(`insert into ${crm} (email, full_name, phone) values
        ('bo@crm.test', 'Bo', '2'), ('cy@crm.test', 'Cy', '3'), ('di@crm.test', 'Di', '4')`);
      syncId = await f.createSync(f.definition(crm, erp));
      await f.tick(syncId); // three links: the ERP gets the CRM's records
      await f.tick(syncId); // its own writes come back as echoes
      // Both sides edit each record (the CRM its phone, the ERP its name): three conflicts.
      await s.pg(`update ${crm} set phone = phone || phone, updated_at = now()`);
      await maria(`update ${erp} set name = concat(name, ' Brown')`);
      await f.tick(syncId);
      const parked = await query(
        `select count(*)::int as n from sync_conflicts where sync_id = $1 and state = 'open'`,
        [syncId],
      );
      expect(parked).toEqual([{ n: 3 }]);
    }, 180_000);

    it('shows a viewer both versions and the base field by field, with no way to resolve; a forged resolve is refused', async () => {
      const { viewer, browser } = sc.people;
      const context = await browser.newContext();
      try {
        const p = await context.newPage();
        p.setDefaultTimeout(20_000);
        await signInPage(p, s.t.url, viewer.token);
        await p.goto(`${s.t.url}/console/syncs/${syncId}`);
        expect(await p.getByRole('link', { name: 'Compare', exact: true }).count()).toBe(3);
        await p.getByRole('link', { name: 'Compare', exact: true }).first().click();
        await expect.poll(() => p.locator('#fields ~ table tbody tr').count()).toBe(3);
        expect(await p.locator('form[method="post"]').count()).toBe(1); // sign-out only
        expect(await p.getByRole('radio').count()).toBe(0);
      } finally {
        await context.close();
      }
      const { id } = await conflictOf('bo@crm.test');
      const forger = consoleClient(s.t.url);
      await forger.signIn(viewer.token);
      const forged = await forger.post(`/console/syncs/${syncId}/conflicts/${id}/resolve`, {
        _csrf: forger.csrf,
        choice: 'a',
      });
      expect(forged.status).toBe(403);
      expect((await conflictOf('bo@crm.test')).state).toBe('open');
      const denied = await query(
        `select count(*)::int as n from audit_entries where action = 'access.denied' and actor = $1`,
        [`token:${viewer.id}`],
      );
      expect(denied[0].n).toBe(1);
    });

    it('resolves a conflict field by field: B keeps the name it changed, A the phone it changed', async () => {
      const { page, operator } = sc.people;
      const bo = await conflictOf('bo@crm.test');
      await page.goto(`${s.t.url}/console/syncs/${syncId}/conflicts/${bo.id}`);
      const rows = page.locator('#fields ~ form table tbody tr');
      await expect.poll(() => rows.count()).toBe(3);
      const cells = async (field: string) =>
        (await rows.filter({ hasText: field }).locator('th, td').allTextContents()).map((t) =>
          t.trim(),
        );
      // Field, base, A, B (mapped into A's shape), the choice: each changed value marked.
      expect((await cells('values.email')).slice(0, 4)).toEqual([
        'values.email',
        '"bo@crm.test"',
        '"bo@crm.test"',
        '"bo@crm.test"',
      ]);
      expect((await cells('values.full_name')).slice(0, 4)).toEqual([
        'values.full_name',
        '"Bo"',
        '"Bo"',
        '"Bo Brown" (changed)',
      ]);
      expect((await cells('values.phone')).slice(0, 4)).toEqual([
        'values.phone',
        '"2"',
        '"22" (changed)',
        '"2"',
      ]);
      // Each field starts at the side that changed it.
      expect(await page.getByLabel('values.full_name: keep B').isChecked()).toBe(true);
      expect(await page.getByLabel('values.phone: keep A').isChecked()).toBe(true);
      await expectAccessible(page);
      await screenshot(page, 'sync-conflict');
      await page.getByRole('button', { name: 'Resolve with the chosen fields' }).click();
      await expect
        .poll(() => page.locator('.notice').textContent())
        .toBe('Resolved: the chosen fields are written to A, then mapped across.');
      expect(new URL(page.url()).pathname).toBe(`/console/syncs/${syncId}`);
      expect(await rowsOf('bo@crm.test')).toEqual({
        crm: { full_name: 'Bo Brown', phone: '22' },
        erp: { name: 'Bo Brown', phone: '22' },
      });
      expect(await conflictOf('bo@crm.test')).toMatchObject({
        state: 'resolved',
        resolved_by: `token:${operator.id}`,
      });
      expect(await resolvedCount()).toBe(1);
      // The sync reads its own writes back as echoes: nothing more to write.
      expect(await f.tick(syncId)).toMatchObject({ writes: 0 });
    });

    it('takes one side as it is, and shows the fields in either shape', async () => {
      const { page } = sc.people;
      const cy = await conflictOf('cy@crm.test');
      await page.goto(`${s.t.url}/console/syncs/${syncId}/conflicts/${cy.id}?shape=b`);
      await expect
        .poll(() => page.getByRole('heading', { level: 2 }).first().textContent())
        .toBe("Field by field, in side B's shape");
      expect(await page.locator('#fields ~ form table tbody th').allTextContents()).toEqual([
        'values.email',
        'values.name',
        'values.phone',
      ]);
      await page.getByRole('button', { name: 'Take B' }).click();
      await expect
        .poll(() => page.locator('.notice').textContent())
        .toBe("Resolved: B's record is written to both sides.");
      expect(await rowsOf('cy@crm.test')).toEqual({
        crm: { full_name: 'Cy Brown', phone: '3' },
        erp: { name: 'Cy Brown', phone: '3' },
      });
      expect(await resolvedCount()).toBe(2);
    });

    it('answers a choice it cannot use with a sentence on the page and writes nothing', async () => {
      const { operator } = sc.people;
      const di = await conflictOf('di@crm.test');
      const client = consoleClient(s.t.url);
      await client.signIn(operator.token);
      const path = `/console/syncs/${syncId}/conflicts/${di.id}`;
      await client.get(path);
      const before = await rowsOf('di@crm.test');
      // A field left without a side.
      const partial = await client.post(`${path}/resolve`, {
        _csrf: client.csrf,
        shape: 'a',
        choice: 'fields',
        'field:/values/email': 'a',
        'field:/values/full_name': 'b',
      });
      expect(partial.status).toBe(422);
      expect(partial.text).toContain('Choose A or B for values.phone. Nothing was written.');
      // The choices sent are kept.
      expect(partial.text).toMatch(
        /value="b"[^>]*checked[^>]*aria-label="values.full_name: keep B"/,
      );
      // A choice that is neither side nor fields.
      const odd = await client.post(`${path}/resolve`, { _csrf: client.csrf, choice: 'c' });
      expect(odd.status).toBe(422);
      expect(odd.text).toContain(
        'Choose A, B, or which side each field keeps. Nothing was written.',
      );
      expect(await conflictOf('di@crm.test')).toMatchObject({ state: 'open' });
      expect(await rowsOf('di@crm.test')).toEqual(before);
      // A resolved conflict is not resolved twice; an unknown one is not found.
      const bo = await conflictOf('bo@crm.test');
      const again = await client.post(`/console/syncs/${syncId}/conflicts/${bo.id}/resolve`, {
        _csrf: client.csrf,
        choice: 'b',
      });
      expect(again.status).toBe(409);
      expect(again.text).toContain('The conflict is resolved already. Nothing was written.');
      expect((await client.get(`/console/syncs/${syncId}/conflicts/scf_nope`)).status).toBe(404);
      expect(
        (
          await client.post(`/console/syncs/${syncId}/conflicts/scf_nope/resolve`, {
            _csrf: client.csrf,
            choice: 'a',
          })
        ).status,
      ).toBe(404);
      expect(await resolvedCount()).toBe(2);
    });
  },
);
