import { describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { until } from '../support/until.js';
import { useBulkCrash } from './bulk-crash-support.js';
import { createSync, crmErpSync, finished } from './bulk-support.js';
import { maria, mariadbAvailable, useSyncJunction } from './sync-support.js';

const RECORDS = 3_000;
// This process only serves the API; the reconciliation runs in worker processes.
const available = await mariadbAvailable();
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });
const { crm, erp, startWorker } = useBulkCrash(s, {
  available,
  name: 'rx',
  records: RECORDS,
  pageSize: 50,
});

type Item = { kind: string; aKey: string | null; bKey: string | null; fields: unknown };

describe.skipIf(!available)('a reconciliation whose worker is killed', () => {
  it('resumes where it was in another worker: its report is complete, no item twice, no false drift', async () => {
    const api = apiOf(s.t);
    const pool = s.t.junction.database.pool;
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }),
    );
    const first = startWorker();
    await first.waitFor(/ready/, 60_000);
    const backfill = await api.post(`/v1/syncs/${id}/backfill`);
    expect(
      (await finished(api, `/v1/syncs/${id}/backfills/${backfill.body.id}`, 120_000)).state,
    ).toBe('succeeded');
    // Drift behind Junction's back, spread over the whole join order: every 100th ERP name.
    await maria(`update ${erp} set name = concat('Hand ', id) where mod(id, 100) = 7`);
    const edited = await maria(`select id, email from ${erp} where mod(id, 100) = 7 order by id`);
    expect(edited).toHaveLength(RECORDS / 100);
    await s.pg(`insert into ${crm} (email, full_name) values ('only.crm@example.com', 'Only CRM')`);
    await maria(`insert into ${erp} (email, name) values ('only.erp@example.com', 'Only ERP')`);

    const started = await api.post(`/v1/syncs/${id}/reconciliations`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const rid = started.body.id as string;
    // Killed while comparing, with some of the drift already stored.
    await until(async () => {
      const { rows } = await pool.query(
        `select r.phase, (select count(*)::int from sync_drift_items i where i.reconciliation_id = r.id) as items
         from sync_reconciliations r where r.id = $1`,
        [rid],
      );
      return rows[0]?.phase === 'compare' && rows[0].items >= 5;
    }, 60_000);
    first.process.kill('SIGKILL');
    expect((await first.exited(10_000)).signal).toBe('SIGKILL');
    const { rows: atKill } = await pool.query(
      `select r.state, r.phase, r.compared::int as compared,
         (select count(*)::int from sync_drift_items i where i.reconciliation_id = r.id) as items
       from sync_reconciliations r where r.id = $1`,
      [rid],
    );
    expect(atKill[0]).toMatchObject({ state: 'running' });

    const second = startWorker();
    await second.waitFor(/ready/, 60_000);
    const done = await finished(api, `/v1/syncs/${id}/reconciliations/${rid}`, 120_000);
    console.info(
      `reconciliation killed in ${atKill[0].phase} at ${atKill[0].compared} rows compared, ${atKill[0].items} items stored; resumed:`,
      JSON.stringify({ counts: done.counts, progress: done.progress, resumed: done.resumed }),
    );
    expect(done).toMatchObject({
      state: 'succeeded',
      counts: { only_a: 1, only_b: 1, differs: RECORDS / 100, stale_link: 0, unlinked: 0 },
      seen: { a: RECORDS + 1, b: RECORDS + 1 },
      dismissed: 0,
    });
    expect(done.resumed).toBeGreaterThanOrEqual(1);
    // The pages compared before the kill count once: every scratch row was compared once.
    expect(done.progress).toMatchObject({ done: 4 * (RECORDS + 1), total: 4 * (RECORDS + 1) });
    const items: Item[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await api.get(
        `/v1/syncs/${id}/reconciliations/${rid}/items?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...(page.body.data as Item[]));
      cursor = page.body.nextCursor as string | null;
      if (!cursor) break;
    }
    const identities = items.map((i) => `${i.kind}:${i.aKey}:${i.bKey}`);
    expect(new Set(identities).size).toBe(identities.length);
    const differs = items.filter((i) => i.kind === 'differs');
    expect(differs.map((i) => i.bKey).sort()).toEqual(edited.map((r) => String(r.id)).sort());
    for (const item of differs)
      expect(item.fields).toEqual([
        { field: 'values.name', a: expect.stringMatching(/^Kept /), b: `Hand ${item.bKey}` },
      ]);
    expect((await pool.query('select count(*)::int as n from sync_scan_rows')).rows[0].n).toBe(0);
    second.process.kill('SIGTERM');
    expect((await second.exited(15_000)).code).toBe(0);
  }, 240_000);
});
