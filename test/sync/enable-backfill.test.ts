import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { apiOf, pointersOf } from '../support/api.js';
import { until } from '../support/until.js';
import {
  createErpTable,
  createSync,
  crmErpSync,
  crmTableSql,
  finished,
  seedCrmErp,
} from './bulk-support.js';
import { maria, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
const s = useSyncJunction({ JUNCTION_SYNC_PAGE_SIZE: '20' });
const crm = tableName('en_crm');
const erp = tableName('en_erp');
const pool = () => s.t.junction.database.pool;

beforeAll(async () => {
  if (!available) return;
  await s.pg(crmTableSql(crm));
  await createErpTable(erp);
  // 40 CRM contacts; the ERP has 15 customers, 10 of them CRM contacts (same email).
  await seedCrmErp(s.pg, { crm, erp }, { contacts: 40, customers: 15, shared: 10, every: 4 });
});
afterAll(async () => {
  if (available) await maria(`drop table if exists ${erp}`);
});

const auditOf = async (syncId: string) =>
  (
    await pool().query(
      `select action, actor, data from audit_entries
       where subject_id = $1 and action in ('sync.enable', 'sync.backfill.start') order by id`,
      [syncId],
    )
  ).rows;
const backfillsOf = async (syncId: string) =>
  (await pool().query('select id, state from sync_backfills where sync_id = $1', [syncId])).rows;

describe.skipIf(!available)('enabling a sync', () => {
  it('starts its backfill, holds change detection until it ends, and a backfill asked for meanwhile is that one', async () => {
    const api = apiOf(s.t);
    const definition = crmErpSync(
      { pg: s.pgConnection, mysql: s.mysqlConnection },
      { crm, erp },
      { name: 'enabled', intervalSeconds: 1 },
    );
    const id = await createSync(api, definition);
    // The sync's lock, held by the test: the backfill waits for it (still queued) until released.
    const holder = await pool().connect();
    const lock = (fn: string) =>
      holder.query(`select ${fn}(hashtextextended($1, 21))`, [`sync:${id}`]);
    await lock('pg_advisory_lock');
    const enabled = await api.post(`/v1/syncs/${id}/enable`, undefined, { 'if-match': '"r1"' });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.headers.get('etag')).toBe('"r2"');
    const backfill = enabled.body.backfill;
    expect(enabled.body).toMatchObject({ enabled: true, backfill: { started: true } });
    expect(backfill.href).toBe(`/v1/syncs/${id}/backfills/${backfill.id}`);
    // Asked for right after: the backfill enabling started answers, nothing else starts.
    const asked = await api.post(`/v1/syncs/${id}/backfill`);
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.id).toBe(backfill.id);
    expect(asked.headers.get('location')).toBe(backfill.href);
    expect(await backfillsOf(id)).toHaveLength(1);
    // Audited with the enable, in its transaction.
    expect(await auditOf(id)).toEqual([
      {
        action: 'sync.backfill.start',
        actor: 'token:admin-env',
        data: { backfill: backfill.id, version: 1, trigger: 'enable' },
      },
      {
        action: 'sync.enable',
        actor: 'token:admin-env',
        data: { version: 1, backfill: backfill.id },
      },
    ]);

    await lock('pg_advisory_unlock');
    holder.release();
    const done = await finished(api, backfill.href);
    expect(done).toMatchObject({ state: 'succeeded', linked: 10, created: { a: 5, b: 30 } });
    // Change detection ran after it, and found nothing to create or write: every record is
    // linked once and each email is on each side once.
    const lastRun = await until(async () => {
      const run = (await api.get(`/v1/syncs/${id}`)).body.lastRun;
      return run && Date.parse(run.at) > Date.parse(done.finishedAt) ? run : undefined;
    }, 60_000);
    expect(lastRun.ok, JSON.stringify(lastRun)).toBe(true);
    expect(lastRun.counts ?? {}).not.toHaveProperty('created');
    expect(lastRun.counts ?? {}).not.toHaveProperty('updated');
    const crmEmails = (await s.pg(`select email from ${crm} order by email`)).map((r) => r.email);
    const erpEmails = (await maria(`select email from ${erp} order by email`)).map((r) => r.email);
    expect(crmEmails).toHaveLength(45);
    expect(erpEmails).toEqual(crmEmails);

    // Enabled again later: one succeeded, none starts.
    const disabled = await api.post(`/v1/syncs/${id}/disable`, undefined, { 'if-match': '"r2"' });
    expect(disabled.status).toBe(200);
    const again = await api.post(`/v1/syncs/${id}/enable`, undefined, { 'if-match': '"r3"' });
    expect(again.body).toMatchObject({ enabled: true, backfill: null });
    expect(await backfillsOf(id)).toHaveLength(1);
    expect((await auditOf(id)).at(-1)?.data).toEqual({
      version: 1,
      backfillSkipped: 'done before',
    });
    await api.post(`/v1/syncs/${id}/disable`, undefined, { 'if-match': '"r4"' });
  });

  it('opts out with {"backfill": false}; refuses bad input and a read-only token, changing nothing', async () => {
    const api = apiOf(s.t);
    const empty = { crm: tableName('en_crm_none'), erp: tableName('en_erp_none') };
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, empty, { name: 'opted out' }),
    );
    const unchanged = async () => {
      const view = await api.get(`/v1/syncs/${id}`);
      expect(view.body).toMatchObject({ enabled: false, revision: 1 });
      expect(await backfillsOf(id)).toEqual([]);
      expect(await auditOf(id)).toEqual([]);
    };
    const viewer = await createToken(s.t, 'viewer');
    const refused = await api
      .as(viewer.token)
      .post(`/v1/syncs/${id}/enable`, { backfill: false }, { 'if-match': '"r1"' });
    expect(refused.status).toBe(403);
    const path = `/v1/syncs/${id}/enable`;
    const ifMatch = { 'if-match': '"r1"' };
    expect(pointersOf(await api.post(path, { backfill: 'no' }, ifMatch), 422)).toEqual([
      '/backfill',
    ]);
    expect(pointersOf(await api.post(path, { backfil: false }, ifMatch), 422)).toEqual([
      '/backfil',
    ]);
    expect(pointersOf(await api.post('/v1/syncs/syn_nope/enable', {}, ifMatch), 404)).toEqual([]);
    expect((await api.post(path, { backfill: false }, { 'if-match': '"r7"' })).status).toBe(412);
    await unchanged();

    const enabled = await api.post(path, { backfill: false }, ifMatch);
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, backfill: null });
    expect(await backfillsOf(id)).toEqual([]);
    expect(await auditOf(id)).toEqual([
      {
        action: 'sync.enable',
        actor: 'token:admin-env',
        data: { version: 1, backfillSkipped: 'opted out' },
      },
    ]);
    await api.post(`/v1/syncs/${id}/disable`, undefined, { 'if-match': '"r2"' });
  });

  it('answers the backfill already under way, which change detection waits for', async () => {
    const api = apiOf(s.t);
    const tables = { crm: tableName('en_crm_held'), erp: tableName('en_erp_held') };
    await s.pg(crmTableSql(tables.crm));
    await createErpTable(tables.erp);
    await s.pg(`insert into ${tables.crm} (email, full_name) values ('held@example.com', 'Held')`);
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, tables, {
        name: 'held',
        intervalSeconds: 1,
      }),
    );
    // Queued, with no job: no worker takes it while the test holds it.
    await pool().query(
      `insert into sync_backfills (id, sync_id, sync_version, plan, requested_by)
       values ('sbf_held_' || $1, $1, 1, '{walk:a}', 'test')`,
      [id],
    );
    const enabledAt = Date.now();
    // An empty body sent as JSON reads as no body.
    const answer = await s.t.request(`/v1/syncs/${id}/enable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'if-match': '"r1"' },
      body: '',
    });
    const enabled = { status: answer.status, body: (await answer.json()) as { backfill: unknown } };
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body.backfill).toEqual({
      id: `sbf_held_${id}`,
      href: `/v1/syncs/${id}/backfills/sbf_held_${id}`,
      started: false,
    });
    expect((await auditOf(id)).map((e) => e.data)).toEqual([
      { version: 1, backfillSkipped: 'under way' },
    ]);
    // Its first change detection came and went back to wait: nothing read, nothing created.
    await until(async () => {
      const { rows } = await pool().query(
        'select run_at from graphile_worker.jobs where key = $1',
        [`sync:${id}`],
      );
      return rows[0] && new Date(rows[0].run_at).getTime() > enabledAt + 3_000 ? true : undefined;
    }, 30_000);
    expect((await api.get(`/v1/syncs/${id}`)).body.lastRun).toBeNull();
    expect(await maria(`select email from ${tables.erp}`)).toEqual([]);
    // Once it has ended, change detection runs.
    await pool().query(`update sync_backfills set state = 'failed' where id = $1`, [
      `sbf_held_${id}`,
    ]);
    await until(async () => (await api.get(`/v1/syncs/${id}`)).body.lastRun ?? undefined, 30_000);
    await until(
      async () => ((await maria(`select email from ${tables.erp}`)).length ? true : undefined),
      30_000,
    );
    await api.post(`/v1/syncs/${id}/disable`, undefined, { 'if-match': '"r2"' });
    await maria(`drop table if exists ${tables.erp}`);
  });
});
