import { beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { expectAccessible, screenshot } from '../support/browser.js';
import { maria } from '../sync/sync-support.js';
import { consoleClient, signInPage } from './console-client.js';
import { useSyncConsole } from './console-sync-support.js';

const sc = await useSyncConsole();
const { s, f, query, count } = sc;

describe.skipIf(sc.skip)(
  "a sync's backfills, reconciliations and drift repair in the console",
  { timeout: 120_000 },
  () => {
    let syncId: string;
    let crm: string;
    let erp: string;
    const bulk = () => s.t.junction.services.bulk;
    const latest = async (table: 'sync_backfills' | 'sync_reconciliations') =>
      (
        await query(`select id, state from ${table} where sync_id = $1 order by seq desc limit 1`, [
          syncId,
        ])
      )[0] as { id: string; state: string };
    const runsText = () => sc.people.page.locator('#bulk-runs').textContent();
    const openSyncPage = async () => {
      await sc.people.page.goto(`${s.t.url}/console/syncs/${syncId}`);
      await expect.poll(() => sc.people.page.locator('h1').textContent()).toContain('Sync ');
    };

    beforeAll(async () => {
      ({ crm, erp } = await f.tables());
      // Records on both sides before the sync exists: the backfill links and creates them.
      await s.pg(`insert into ${crm} (email, full_name, phone)
        select 'p' || i || '@crm.test', 'P' || i, i::text from generate_series(1, 12) i`);
      await maria(`insert into ${erp} (email, name, phone) values
        ('p1@crm.test', 'P1', '1'), ('q1@erp.test', 'Q1', '100')`);
      syncId = await f.createSync(f.definition(crm, erp));
    }, 180_000);

    it('starts a backfill from the page and shows its progress as the API does, refreshed in place', async () => {
      const { page, operator } = sc.people;
      await openSyncPage();
      expect(await page.locator('#bulk-runs').textContent()).toContain('No backfill yet.');
      await page.getByText('Start a backfill…').click();
      await page.getByRole('button', { name: 'Yes, start a backfill' }).click();
      const queued = await latest('sync_backfills');
      await expect
        .poll(() => page.locator('.notice').textContent())
        .toBe(`The backfill ${queued.id} is queued; its progress shows below.`);
      expect(await runsText()).toContain('queued');
      // The worker's task, run here; the page refreshes its runs without a reload.
      await bulk().backfillTask({ backfillId: queued.id }, { last: true });
      await expect.poll(runsText, { timeout: 15_000 }).toContain('succeeded');
      const view = (await apiOf(s.t).get(`/v1/syncs/${syncId}/backfills/${queued.id}`)).body;
      expect(view).toMatchObject({ state: 'succeeded', linked: 1, created: { a: 1, b: 11 } });
      const { done, total } = view.progress as { done: number; total: number };
      const cells = (
        await page
          .locator('#bulk-runs table')
          .first()
          .locator('tbody tr')
          .first()
          .locator('td')
          .allTextContents()
      ).map((t) => t.trim());
      expect(cells[1]).toBe('succeeded');
      expect(cells[2]).toBe(`${done} / ${total} (100%)`);
      expect(cells[5]).toBe('1, 1, 11');
      expect(
        await count(`audit_entries where action = 'sync.backfill.start' and actor = $1`, [
          `token:${operator.id}`,
        ]),
      ).toBe(1);
      await expectAccessible(page);
      await page.locator('#bulk').scrollIntoViewIfNeeded();
      await screenshot(page, 'sync-runs');
    });

    it('starts a reconciliation, refuses a second while it runs, and pages through all of its drift', async () => {
      const { page, operator } = sc.people;
      // Change detection catches up once (everything linked: nothing to do) and reads on from
      // now. Drift behind the sync's back: 60 CRM rows it never sees (modified before where it
      // reads from), and an ERP row edited without moving its modified-at.
      await f.tick(syncId);
      await s.pg(`insert into ${crm} (email, full_name, phone, updated_at)
        select 'n' || i || '@crm.test', 'N' || i, i::text, '2001-01-01' from generate_series(1, 60) i`);
      await maria(
        `update ${erp} set phone = '999', updated_at = updated_at where email = 'p2@crm.test'`,
      );
      await openSyncPage();
      await page.getByText('Start a reconciliation…').click();
      await page.getByRole('button', { name: 'Yes, start a reconciliation' }).click();
      const queued = await latest('sync_reconciliations');
      await expect.poll(() => page.locator('.notice').textContent()).toContain('is queued');
      await page.getByText('Start a reconciliation…').click();
      await page.getByRole('button', { name: 'Yes, start a reconciliation' }).click();
      await expect
        .poll(() => page.locator('[role="alert"]').textContent())
        .toBe(
          `A reconciliation of this sync is already under way (${queued.id}); wait for it to end.`,
        );
      expect(await count('sync_reconciliations where sync_id = $1', [syncId])).toBe(1);
      await bulk().reconcileTask({ reconciliationId: queued.id }, { last: true });
      await expect.poll(runsText, { timeout: 15_000 }).toContain('61 items');
      // Its progress as the API has it: every record listed and compared.
      const finished = (await apiOf(s.t).get(`/v1/syncs/${syncId}/reconciliations/${queued.id}`))
        .body as { progress: { done: number; total: number } };
      const row = page.locator('#bulk-runs table').nth(1).locator('tbody tr').first();
      expect((await row.locator('td').nth(2).textContent())?.trim()).toBe(
        `${finished.progress.done} / ${finished.progress.total} (100%)`,
      );
      await page.getByRole('link', { name: '61 items' }).click();
      await expect
        .poll(() => page.locator('#items').textContent())
        .toBe('The drift report, 61 items');
      await expectAccessible(page);
      await screenshot(page, 'sync-reconciliation');
      // Every item, page by page, as the API lists them.
      const seen: string[] = [];
      for (;;) {
        const rows = page.locator('#items ~ table tbody tr');
        for (const row of await rows.all()) {
          const [kind, a, b] = await row.locator('td').allTextContents();
          seen.push(`${kind} ${a} ${b}`);
        }
        const next = page.getByRole('link', { name: 'Next page' });
        if ((await next.count()) === 0) break;
        const before = page.url();
        await next.click();
        await page.waitForURL((url) => url.href !== before);
      }
      const api = apiOf(s.t);
      const all = (
        await api.get(`/v1/syncs/${syncId}/reconciliations/${queued.id}/items?limit=500`)
      ).body.data as { kind: string; aKey: string | null; bKey: string | null }[];
      const words = { only_a: 'only on A', differs: 'linked but different' } as Record<
        string,
        string
      >;
      expect(seen).toEqual(
        all.map((i) => `${words[i.kind] ?? i.kind} ${i.aKey ?? '–'} ${i.bKey ?? '–'}`),
      );
      expect(seen).toHaveLength(61);
      // A position that is no page of the report.
      const client = consoleClient(s.t.url);
      await client.signIn(operator.token);
      const odd = await client.get(
        `/console/syncs/${syncId}/reconciliations/${queued.id}?after=abc`,
      );
      expect(odd.status).toBe(400);
      expect(odd.text).toContain('That page of the report does not exist');
    });

    it('refuses a viewer every start and repair, shows it no button, and changes nothing', async () => {
      const { viewer, browser } = sc.people;
      const rid = (await latest('sync_reconciliations')).id;
      const context = await browser.newContext();
      try {
        const p = await context.newPage();
        p.setDefaultTimeout(20_000);
        await signInPage(p, s.t.url, viewer.token);
        for (const path of [
          `/console/syncs/${syncId}`,
          `/console/syncs/${syncId}/reconciliations/${rid}`,
        ]) {
          await p.goto(`${s.t.url}${path}`);
          expect(await p.locator('form[method="post"]').count()).toBe(1); // sign-out only
        }
      } finally {
        await context.close();
      }
      const forger = consoleClient(s.t.url);
      await forger.signIn(viewer.token);
      const before = {
        backfills: await count('sync_backfills where sync_id = $1', [syncId]),
        reconciliations: await count('sync_reconciliations where sync_id = $1', [syncId]),
        open: await count(`sync_drift_items where reconciliation_id = $1 and state = 'open'`, [
          rid,
        ]),
      };
      const forged = [
        await forger.post(`/console/syncs/${syncId}/backfill`, { _csrf: forger.csrf }),
        await forger.post(`/console/syncs/${syncId}/reconciliations`, { _csrf: forger.csrf }),
        await forger.post(`/console/syncs/${syncId}/reconciliations/${rid}/repair`, {
          _csrf: forger.csrf,
        }),
      ];
      expect(forged.map((r) => r.status)).toEqual([403, 403, 403]);
      expect({
        backfills: await count('sync_backfills where sync_id = $1', [syncId]),
        reconciliations: await count('sync_reconciliations where sync_id = $1', [syncId]),
        open: await count(`sync_drift_items where reconciliation_id = $1 and state = 'open'`, [
          rid,
        ]),
      }).toEqual(before);
      expect(
        await count(`audit_entries where action = 'access.denied' and actor = $1`, [
          `token:${viewer.id}`,
        ]),
      ).toBe(3);
    });

    it('repairs the whole drift report in one action, each repair audited', async () => {
      const { page, operator } = sc.people;
      const rid = (await latest('sync_reconciliations')).id;
      const client = consoleClient(s.t.url);
      await client.signIn(operator.token);
      // An unfinished reconciliation and an unknown one are refused with a sentence.
      await query(
        `insert into sync_reconciliations (id, sync_id, sync_version, trigger, requested_by)
         values ('src_console_held', $1, 1, 'api', 'test')`,
        [syncId],
      );
      await client.get(`/console/syncs/${syncId}`);
      const early = await client.post(
        `/console/syncs/${syncId}/reconciliations/src_console_held/repair`,
        { _csrf: client.csrf },
      );
      expect(early.status).toBe(303);
      expect(early.headers.get('location')).toBe(
        `/console/syncs/${syncId}/reconciliations/src_console_held`,
      );
      expect(decodeURIComponent(early.headers.getSetCookie().join(';'))).toContain(
        'The reconciliation is queued; only a finished one can be repaired.',
      );
      const unknown = await client.post(
        `/console/syncs/${syncId}/reconciliations/src_nope/repair`,
        {
          _csrf: client.csrf,
        },
      );
      expect(unknown.status).toBe(404);
      await query(`delete from sync_reconciliations where id = 'src_console_held'`);

      await page.goto(`${s.t.url}/console/syncs/${syncId}/reconciliations/${rid}`);
      await page.getByText('Repair the drift…').click();
      await page.getByRole('button', { name: 'Yes, repair the drift' }).click();
      await expect
        .poll(() => page.locator('.notice').textContent())
        .toBe('Repaired 60 item(s), skipped 1, failed 0; each item says what was done.');
      // The edited record is left to a person by the sync's conflict policy (park), and says so.
      const skipped = page.locator('#items ~ table tbody tr', { hasText: 'skipped' });
      expect((await skipped.locator('td').allTextContents()).slice(3)).toEqual([
        'values.phone: "2" / "999"',
        'skipped',
        'the conflict policy "park" leaves it to a person',
      ]);
      expect(
        await count(`sync_drift_items where reconciliation_id = $1 and state = 'open'`, [rid]),
      ).toBe(0);
      expect(
        await maria(`select count(*) as n from ${erp} where email like 'n%@crm.test'`),
      ).toEqual([{ n: 60 }]);
      expect(
        await count(
          `audit_entries where subject_id = $1 and actor = $2 and action like 'sync.repair%'`,
          [syncId, `token:${operator.id}`],
        ),
      ).toBe(60);
    });
  },
);
