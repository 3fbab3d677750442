import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { apiOf, pointersOf } from '../support/api.js';
import { until } from '../support/until.js';
import { createErpTable, createSync, crmErpSync, crmTableSql, finished } from './bulk-support.js';
import { maria, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';

// Small pages: the merge and the keyset reads cross many page boundaries.
const available = await mariadbAvailable();
const s = useSyncJunction({ JUNCTION_SYNC_PAGE_SIZE: '10' });
const crm = tableName('rc_crm');
const erp = tableName('rc_erp');
let syncId: string;

type Item = {
  id: string;
  kind: string;
  aKey: string | null;
  bKey: string | null;
  fields: { field: string; a: unknown; b: unknown }[] | null;
  missing: string | null;
  state: string;
};

const crmKey = async (email: string) =>
  String((await s.pg(`select id from ${crm} where email = $1`, [email]))[0]?.id);
const erpKey = async (email: string) =>
  String((await maria(`select id from ${erp} where email = ?`, [email]))[0]?.id);

/** Runs a reconciliation to its end through the API; its view. */
async function reconcile() {
  const api = apiOf(s.t);
  const started = await api.post(`/v1/syncs/${syncId}/reconciliations`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return finished(api, `/v1/syncs/${syncId}/reconciliations/${started.body.id}`);
}

beforeAll(async () => {
  if (!available) return;
  await s.pg(crmTableSql(crm));
  await createErpTable(erp);
  await s.pg(
    `insert into ${crm} (email, full_name) select 'p' || g || '@example.com', 'Person ' || g
     from generate_series(1, 60) g`,
  );
  const api = apiOf(s.t);
  syncId = await createSync(
    api,
    crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }),
  );
  const backfill = await api.post(`/v1/syncs/${syncId}/backfill`);
  const done = await finished(api, `/v1/syncs/${syncId}/backfills/${backfill.body.id}`);
  expect(done).toMatchObject({ state: 'succeeded', created: { a: 0, b: 60 } });
});
afterAll(async () => {
  if (!available) return;
  await maria(`drop table if exists ${erp}`);
  await maria(`drop table if exists ${erp}_s`);
});

describe.skipIf(!available)('reconciliation', () => {
  it('finds no drift between two sides in agreement', async () => {
    const clean = await reconcile();
    expect(clean).toMatchObject({
      state: 'succeeded',
      seen: { a: 60, b: 60 },
      counts: { only_a: 0, only_b: 0, differs: 0, stale_link: 0, unlinked: 0 },
      // Each record listed once and compared once; the tables' counts known from the start.
      progress: { done: 240, total: 240, eta: null },
      totals: { a: 60, b: 60 },
      dismissed: 0,
      resumed: 0,
    });
    expect(clean.progress.ratePerSecond).toBeGreaterThan(0);
  });

  it('reports every kind of drift injected behind its back, no more, and repair fixes it all', async () => {
    const pool = s.t.junction.database.pool;
    const expected: Partial<Item>[] = [];
    // A missed create on each side.
    await s.pg(`insert into ${crm} (email, full_name) values ('new.crm@example.com', 'New CRM')`);
    expected.push({ kind: 'only_a', aKey: await crmKey('new.crm@example.com'), bKey: null });
    await maria(`insert into ${erp} (email, name) values ('new.erp@example.com', 'New ERP')`);
    expected.push({ kind: 'only_b', aKey: null, bKey: await erpKey('new.erp@example.com') });
    // A manual edit in the ERP, and one in the CRM.
    await maria(`update ${erp} set name = 'Edited By Hand' where email = 'p5@example.com'`);
    expected.push({
      kind: 'differs',
      aKey: await crmKey('p5@example.com'),
      bKey: await erpKey('p5@example.com'),
      fields: [{ field: 'values.name', a: 'Person 5', b: 'Edited By Hand' }],
    });
    await s.pg(`update ${crm} set email = 'p6.new@example.com' where email = 'p6@example.com'`);
    expected.push({
      kind: 'differs',
      aKey: await crmKey('p6.new@example.com'),
      bKey: await erpKey('p6@example.com'),
      fields: [{ field: 'values.email', a: 'p6.new@example.com', b: 'p6@example.com' }],
    });
    // A delete on each side: the link points at a key that is gone.
    const deletedA = await crmKey('p7@example.com');
    await s.pg(`delete from ${crm} where id = $1`, [Number(deletedA)]);
    expected.push({ kind: 'stale_link', aKey: deletedA, missing: 'a' });
    const deletedB = await erpKey('p8@example.com');
    await maria(`delete from ${erp} where id = ?`, [Number(deletedB)]);
    expected.push({ kind: 'stale_link', bKey: deletedB, missing: 'b' });
    // Broken links: one lost (the records still match by email), one pointing at no record.
    const lostA = await crmKey('p9@example.com');
    await pool.query('delete from sync_links where sync_id = $1 and a_key = $2', [syncId, lostA]);
    expected.push({ kind: 'unlinked', aKey: lostA, bKey: await erpKey('p9@example.com') });
    const brokenA = await crmKey('p10@example.com');
    const orphanB = await erpKey('p10@example.com');
    await pool.query(
      `update sync_links set b_key = 'no-such-row' where sync_id = $1 and a_key = $2`,
      [syncId, brokenA],
    );
    expected.push({ kind: 'stale_link', aKey: brokenA, bKey: 'no-such-row', missing: 'b' });
    expected.push({ kind: 'only_b', bKey: orphanB });

    const report = await reconcile();
    console.info('drift injected', expected.length, 'report', JSON.stringify(report.counts));
    expect(report.counts).toEqual({ only_a: 1, only_b: 2, differs: 2, stale_link: 3, unlinked: 1 });
    const api = apiOf(s.t);
    const base = `/v1/syncs/${syncId}/reconciliations/${report.id}`;
    // Pages of 3 (cursor pagination) and the NDJSON stream give the same items.
    const paged: Item[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(`${base}/items?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...(page.body.data as Item[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    const streamed = await s.t.request(`${base}/items`, {
      headers: { accept: 'application/x-ndjson' },
    });
    expect(streamed.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await streamed.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Item);
    expect(lines).toEqual(paged);
    // Exactly the injected drift: every item found, nothing else reported.
    expect(paged).toHaveLength(expected.length);
    for (const want of expected)
      expect(paged, JSON.stringify(want)).toContainEqual(expect.objectContaining(want));
    expect(paged.every((i) => i.state === 'open')).toBe(true);

    // Counts in /metrics.
    const metrics = await (await fetch(`${s.t.url}/metrics`)).text();
    expect(metrics).toContain(
      `junction_sync_drift{sync="${syncId}",kind="stale_link",state="open"} 3`,
    );
    expect(metrics).toContain(`junction_sync_drift{sync="${syncId}",kind="only_b",state="open"} 2`);

    // Repair by the sync's policies (A wins a difference, deletes are deleted), each audited.
    const repaired = await api.post(`${base}/repair`);
    expect(repaired.status, JSON.stringify(repaired.body)).toBe(200);
    expect(repaired.body).toEqual({ repaired: expected.length, skipped: 0, failed: 0 });
    const audits = await pool.query(
      `select action, count(*)::int as n from audit_entries
       where subject_id = $1 and action like 'sync.repair.%' group by action order by action`,
      [syncId],
    );
    expect(audits.rows).toEqual([
      { action: 'sync.repair.create', n: 3 },
      { action: 'sync.repair.delete', n: 3 },
      { action: 'sync.repair.link', n: 1 },
      { action: 'sync.repair.update', n: 2 },
    ]);
    expect(await maria(`select name from ${erp} where email = 'p5@example.com'`)).toEqual([
      { name: 'Person 5' },
    ]);
    const after = await reconcile();
    expect(after.counts).toEqual({ only_a: 0, only_b: 0, differs: 0, stale_link: 0, unlinked: 0 });
    // Both sides hold the same people under the mapping.
    const people = async () => ({
      crm: (await s.pg(`select email, full_name as name from ${crm} order by email`)).map(
        (r) => `${r.email}|${r.name}`,
      ),
      erp: (await maria(`select email, name from ${erp} order by email`)).map(
        (r) => `${r.email}|${r.name}`,
      ),
    });
    const both = await people();
    expect(both.erp).toEqual(both.crm);
  });

  it('refuses bad requests and roles, changing nothing', async () => {
    const api = apiOf(s.t);
    const pool = s.t.junction.database.pool;
    const count = async () =>
      (await pool.query('select count(*)::int as n from sync_reconciliations')).rows[0].n;
    const before = await count();
    expect(pointersOf(await api.post('/v1/syncs/syn_nope/reconciliations'), 404)).toEqual([]);
    const viewer = await createToken(s.t, 'viewer');
    expect((await api.as(viewer.token).post(`/v1/syncs/${syncId}/reconciliations`)).status).toBe(
      403,
    );
    const reviewer = await createToken(s.t, 'reviewer');
    expect((await api.as(reviewer.token).get(`/v1/syncs/${syncId}/reconciliations`)).status).toBe(
      403,
    );
    const list = await api.get(`/v1/syncs/${syncId}/reconciliations?limit=2`);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const [latest] = list.body.data;
    expect(
      (await api.as(viewer.token).post(`/v1/syncs/${syncId}/reconciliations/${latest.id}/repair`))
        .status,
    ).toBe(403);
    expect((await api.get(`/v1/syncs/${syncId}/reconciliations/src_nope`)).status).toBe(404);
    expect(pointersOf(await api.get(`/v1/syncs/${syncId}/reconciliations?limit=0`), 422)).toEqual([
      '/limit',
    ]);
    expect(await count()).toBe(before);
    // One under way: a second is refused, and a repair of an unfinished one too.
    await pool.query(
      `insert into sync_reconciliations (id, sync_id, sync_version, trigger, requested_by)
       values ('src_held', $1, 1, 'api', 'test')`,
      [syncId],
    );
    expect(pointersOf(await api.post(`/v1/syncs/${syncId}/reconciliations`), 409)).toEqual([]);
    const early = await api.post(`/v1/syncs/${syncId}/reconciliations/src_held/repair`);
    expect(pointersOf(early, 409)).toEqual([]);
    const unknown = await api.post(`/v1/syncs/${syncId}/reconciliations/src_nope/repair`);
    expect(pointersOf(unknown, 404)).toEqual([]);
  });

  it('runs on the schedule a sync asks for (reconcileEverySeconds), after its change detection', async () => {
    const api = apiOf(s.t);
    // Tables of its own: the enabled sync's change detection writes to them.
    const tables = { crm: `${crm}_s`, erp: `${erp}_s` };
    await s.pg(crmTableSql(tables.crm));
    await createErpTable(tables.erp);
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, tables, {
        name: 'scheduled',
        intervalSeconds: 1,
        reconcileEverySeconds: 3600,
      }),
    );
    const tooOften = await api.post('/v1/syncs', {
      ...crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }),
      reconcileEverySeconds: 5,
    });
    expect(pointersOf(tooOften, 422)).toEqual(['/reconcileEverySeconds']);
    const enabled = await api.post(`/v1/syncs/${id}/enable`, undefined, { 'if-match': '"r1"' });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    const first = await until(async () => {
      const list = await api.get(`/v1/syncs/${id}/reconciliations`);
      return list.body.data[0];
    }, 30_000);
    expect(first).toMatchObject({ trigger: 'schedule', requestedBy: `sync:${id}` });
    const done = await finished(api, `/v1/syncs/${id}/reconciliations/${first.id}`);
    expect(done.state).toBe('succeeded');
    // Change detection runs every second; the next reconciliation is an hour away.
    const before = (await api.get(`/v1/syncs/${id}`)).body.lastRun?.at as string;
    await until(async () => {
      const run = (await api.get(`/v1/syncs/${id}`)).body.lastRun;
      return run && run.at !== before;
    }, 30_000);
    expect((await api.get(`/v1/syncs/${id}/reconciliations`)).body.data).toHaveLength(1);
    await api.post(`/v1/syncs/${id}/disable`, undefined, {
      'if-match': enabled.headers.get('etag') ?? '',
    });
  });
});
