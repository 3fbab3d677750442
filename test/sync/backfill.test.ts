import { createHash } from 'node:crypto';
import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressOf, runBackfill } from '../../core/src/sync/run-backfill.js';
import { createToken } from '../audit/audit-support.js';
import { apiOf, pointersOf } from '../support/api.js';
import { until } from '../support/until.js';
import {
  bulkSyncOf,
  createErpTable,
  createSync,
  crmErpSync,
  crmTableSql,
  finished,
  seedCrmErp,
} from './bulk-support.js';
import { maria, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
const s = useSyncJunction({ JUNCTION_SYNC_PAGE_SIZE: '50' });
const crm = tableName('bf_crm');
const erp = tableName('bf_erp');

beforeAll(async () => {
  if (!available) return;
  await s.pg(crmTableSql(crm));
  await createErpTable(erp);
  // 300 CRM contacts; the ERP has 50 customers: 30 of them are CRM contacts (same email).
  await seedCrmErp(s.pg, { crm, erp }, { contacts: 300, customers: 50, shared: 30, every: 10 });
});
afterAll(async () => {
  if (!available) return;
  await maria(`drop table if exists ${erp}`);
  await maria(`drop table if exists ${erp}_crashed`);
  await maria(`drop table if exists ${erp}_live`);
  await maria(`drop table if exists ${erp}_counted`);
});

describe.skipIf(!available)('backfill', () => {
  it('links records that correspond, creates the missing ones on both sides in batches, with progress and audit', async () => {
    const api = apiOf(s.t);
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }),
    );
    const started = await api.post(`/v1/syncs/${id}/backfill`, undefined, {
      'idempotency-key': `bf-${id}`,
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ state: 'queued', plan: ['scan:b', 'walk:a', 'walk:b'] });
    expect(started.headers.get('location')).toBe(`/v1/syncs/${id}/backfills/${started.body.id}`);
    // The same Idempotency-Key answers the first backfill again.
    const again = await api.post(`/v1/syncs/${id}/backfill`, undefined, {
      'idempotency-key': `bf-${id}`,
    });
    expect(again.body.id).toBe(started.body.id);

    const done = await finished(api, `/v1/syncs/${id}/backfills/${started.body.id}`);
    console.info('backfill', JSON.stringify(done));
    expect(done).toMatchObject({
      state: 'succeeded',
      linked: 30,
      created: { a: 20, b: 270 },
      flagged: 0,
      skipped: 0,
      totals: { a: 300, b: 50 },
      error: null,
    });
    // scan:b (50) + walk:a (300) + walk:b (the 50 and the 270 created on B).
    expect(done.progress).toMatchObject({ done: 670, total: 670, eta: null });
    expect(done.progress.ratePerSecond).toBeGreaterThan(0);

    // Both sides now hold the same 320 emails, each once, and every record is linked once.
    const crmEmails = (await s.pg(`select email from ${crm} order by email`)).map((r) => r.email);
    const erpEmails = (await maria(`select email from ${erp} order by email`)).map((r) => r.email);
    expect(crmEmails).toHaveLength(320);
    expect(erpEmails).toEqual(crmEmails);
    const pool = s.t.junction.database.pool;
    const links = await pool.query(
      `select count(*)::int as n, count(distinct a_key)::int as a, count(distinct b_key)::int as b,
         count(*) filter (where state = 'active' and a_hash is not null and b_hash is not null)::int as complete
       from sync_links where sync_id = $1`,
      [id],
    );
    expect(links.rows[0]).toEqual({ n: 320, a: 320, b: 320, complete: 320 });
    // A created ERP customer carries the CRM contact's name under the mapping.
    const [created] = await maria(`select name from ${erp} where email = 'c2@example.com'`);
    expect(created?.name).toBe('Contact 2');
    const [matched] = await maria(`select name from ${erp} where email = 'c1@example.com'`);
    expect(matched?.name).toBe('Customer 0');

    // Each page's links and creates are audited; the start is audited with its requester.
    const audits = await pool.query(
      `select action, actor, count(*)::int as n from audit_entries
       where subject_type = 'sync' and subject_id = $1 and action like 'sync.backfill.%'
       group by action, actor order by action`,
      [id],
    );
    expect(audits.rows).toEqual([
      expect.objectContaining({ action: 'sync.backfill.page', actor: `sync:${id}` }),
      { action: 'sync.backfill.start', actor: 'token:admin-env', n: 1 },
    ]);
    const pages = await pool.query(
      `select data from audit_entries where action = 'sync.backfill.page' and subject_id = $1`,
      [id],
    );
    const audited = pages.rows.flatMap((r) => [...r.data.linked, ...r.data.created.links]);
    expect(audited).toHaveLength(320);
    // Scratch rows are gone; the list shows the backfill, newest first.
    expect((await pool.query('select count(*)::int as n from sync_scan_rows')).rows[0].n).toBe(0);
    const list = await api.get(`/v1/syncs/${id}/backfills?limit=1`);
    expect(list.body).toMatchObject({ data: [{ id: started.body.id }], nextCursor: null });

    // A second backfill finds everything linked: nothing created, nothing linked again.
    const second = await api.post(`/v1/syncs/${id}/backfill`);
    const secondDone = await finished(api, `/v1/syncs/${id}/backfills/${second.body.id}`);
    expect(secondDone).toMatchObject({ state: 'succeeded', linked: 0, created: { a: 0, b: 0 } });
  });

  it('refuses an unknown sync, a second backfill under way and roles without runs:operate, changing nothing', async () => {
    const api = apiOf(s.t);
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }, { name: 'x' }),
    );
    const pool = s.t.junction.database.pool;
    const count = async () =>
      (await pool.query('select count(*)::int as n from sync_backfills')).rows[0].n as number;
    const before = await count();
    expect(pointersOf(await api.post('/v1/syncs/syn_nope/backfill'), 404)).toEqual([]);
    const viewer = await createToken(s.t, 'viewer');
    const refused = await api.as(viewer.token).post(`/v1/syncs/${id}/backfill`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ permission: 'runs:operate' });
    const reviewer = await createToken(s.t, 'reviewer');
    expect((await api.as(reviewer.token).get(`/v1/syncs/${id}/backfills`)).status).toBe(403);
    expect(await count()).toBe(before);
    // One under way (queued here, as a worker has not taken it yet): a second is refused.
    await pool.query(
      `insert into sync_backfills (id, sync_id, sync_version, plan, requested_by)
       values ('sbf_held', $1, 1, '{walk:a}', 'test')`,
      [id],
    );
    const busy = await api.post(`/v1/syncs/${id}/backfill`);
    expect(pointersOf(busy, 409)).toEqual([]);
    expect(busy.body).toMatchObject({ active: 'sbf_held' });
    expect(await count()).toBe(before + 1);
    const cursor = await api.get(`/v1/syncs/${id}/backfills?cursor=garbage`);
    expect(pointersOf(cursor, 400)).toEqual(['/cursor']);
    expect((await api.get(`/v1/syncs/${id}/backfills/sbf_nope`)).status).toBe(404);
  });

  it('settles the create batches a crash left in flight: found by the match and linked, or flagged without one', async () => {
    const api = apiOf(s.t);
    const pool = s.t.junction.database.pool;
    const target = `${erp}_crashed`;
    await createErpTable(target);
    // Three batches were in flight when the worker died: CRM contacts 1..3 (recorded as `pending`,
    // as a version before migration 0030 left it) all reached the ERP; of 4..5 (a batch row with
    // keys and matches arrays, as a version before 0031 left it) and 6 (a row with a body, as the
    // pipelined walk leaves it while the batch before commits) 4 and 5 did. No link says so.
    await maria(
      `insert into ${target} (email, name) values ('c1@example.com', 'Contact 1'),
       ('c2@example.com', 'Contact 2'), ('c3@example.com', 'Contact 3'),
       ('c4@example.com', 'Contact 4'), ('c5@example.com', 'Contact 5')`,
    );
    const keys = (await s.pg(`select id from ${crm} where id <= 6 order by id`)).map((r) =>
      String(r.id),
    );
    const total = (await s.pg(`select count(*)::int as n from ${crm}`))[0]?.n as number;
    const hash = (text: string) => createHash('sha256').update(text).digest('hex');
    const crashed = async (name: string, match: boolean) => {
      const definition = crmErpSync(
        { pg: s.pgConnection, mysql: s.mysqlConnection },
        { crm, erp: target },
        { name, direction: 'a_to_b', ...(match ? {} : { match: undefined }) },
      );
      if (!match) delete (definition as { match?: unknown }).match;
      const { aToB } = definition.mappings;
      const id = await createSync(api, { ...definition, mappings: { aToB } });
      const backfill = `sbf_crashed_${match ? 'match' : 'nomatch'}`;
      const matches = match ? keys.map((k) => hash(`c${k}@example.com`)) : keys.map(() => null);
      const pending = { from: 'a', keys: keys.slice(0, 3), matches: matches.slice(0, 3) };
      // Running, in its walk over the CRM, the batches in flight: as a SIGKILL leaves them.
      await pool.query(
        `insert into sync_backfills (id, sync_id, sync_version, plan, pass, state, started_at, pending, requested_by)
         values ($1, $2, 1, $3, $4, 'running', now(), $5, 'test')`,
        [backfill, id, match ? '{scan:b,walk:a}' : '{walk:a}', match ? 1 : 0, pending],
      );
      await pool.query(
        `insert into sync_backfill_batches (backfill_id, source, keys, matches)
         values ($1, 'a', $2, $3)`,
        [backfill, keys.slice(3, 5), matches.slice(3, 5)],
      );
      await pool.query(
        `insert into sync_backfill_batches (backfill_id, source, body) values ($1, 'a', $2)`,
        [backfill, JSON.stringify([keys.slice(5), matches.slice(5)])],
      );
      await pool.query(
        `select graphile_worker.add_job('sync.backfill', json_build_object('backfillId', $1::text))`,
        [backfill],
      );
      const done = await finished(api, `/v1/syncs/${id}/backfills/${backfill}`);
      const { rows: left } = await pool.query(
        'select count(*)::int as n from sync_backfill_batches where backfill_id = $1',
        [backfill],
      );
      expect(left[0].n).toBe(0);
      return { id, done };
    };
    const matched = await crashed('crashed with match', true);
    expect(matched.done).toMatchObject({ state: 'succeeded', resumed: 1, linked: 5, flagged: 0 });
    expect(matched.done.created.b).toBe(total - 5);
    const [rows] = await maria(`select count(*) as n, count(distinct email) as e from ${target}`);
    expect({ n: Number(rows?.n), e: Number(rows?.e) }).toEqual({ n: total, e: total });

    await maria(`delete from ${target}`);
    const unmatched = await crashed('crashed without match', false);
    // Without a match the outcome is unknown: the six are flagged for a person, never re-sent.
    expect(unmatched.done).toMatchObject({ state: 'succeeded', flagged: 6, linked: 0 });
    expect(unmatched.done.created.b).toBe(total - 6);
    const flagged = await pool.query(
      `select a_key, b_key, note from sync_links where sync_id = $1 and state = 'flagged' order by a_key::int`,
      [unmatched.id],
    );
    expect(flagged.rows.map((r) => [r.a_key, r.b_key])).toEqual(keys.map((k) => [k, null]));
    expect(flagged.rows[0].note).toMatch(/interrupted; its outcome is unknown/);
  });

  it('holds change detection off while it runs: the enabled sync then finds every record unchanged and writes nothing', async () => {
    const api = apiOf(s.t);
    const target = `${erp}_live`;
    await createErpTable(target);
    const definition = crmErpSync(
      { pg: s.pgConnection, mysql: s.mysqlConnection },
      { crm, erp: target },
      { name: 'live', intervalSeconds: 1 },
    );
    const id = await createSync(api, definition);
    const started = await api.post(`/v1/syncs/${id}/backfill`);
    expect(started.status).toBe(202);
    // Enabled at once: its first change detection is due now, while the backfill runs.
    const enabled = await api.post(`/v1/syncs/${id}/enable`, undefined, { 'if-match': '"r1"' });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    const done = await finished(api, `/v1/syncs/${id}/backfills/${started.body.id}`);
    expect(done.state).toBe('succeeded');
    const total = (await s.pg(`select count(*)::int as n from ${crm}`))[0]?.n as number;
    // A change detection that ran after the backfill: every record is linked with the hash it
    // computes, so nothing is created or written again.
    const lastRun = await until(async () => {
      const view = await api.get(`/v1/syncs/${id}`);
      const run = view.body.lastRun;
      return run && Date.parse(run.at) > Date.parse(done.finishedAt) ? run : undefined;
    }, 60_000);
    expect(lastRun.ok, JSON.stringify(lastRun)).toBe(true);
    expect(lastRun.counts ?? {}).not.toHaveProperty('created');
    expect(lastRun.counts ?? {}).not.toHaveProperty('updated');
    expect(lastRun.counts ?? {}).not.toHaveProperty('conflict');
    const [rows] = await maria(`select count(*) as n, count(distinct email) as e from ${target}`);
    expect({ n: Number(rows?.n), e: Number(rows?.e) }).toEqual({ n: total, e: total });
    const disabled = await api.post(`/v1/syncs/${id}/disable`, undefined, {
      'if-match': enabled.headers.get('etag') ?? '',
    });
    expect(disabled.status).toBe(200);
  });

  it('knows its total from the start when its sides can count: the first page shows a total and an ETA', async () => {
    const api = apiOf(s.t);
    const target = `${erp}_counted`;
    await createErpTable(target);
    const definition = crmErpSync(
      { pg: s.pgConnection, mysql: s.mysqlConnection },
      { crm, erp: target },
      { name: 'counted', direction: 'a_to_b' },
    );
    delete (definition as { match?: unknown }).match;
    const { aToB } = definition.mappings;
    const id = await createSync(api, { ...definition, mappings: { aToB } });
    const total = (await s.pg(`select count(*)::int as n from ${crm}`))[0]?.n as number;
    // Queued without a job: the test runs it itself and looks at the progress of each page.
    const backfill = `sbf_counted_${id}`;
    const pool = s.t.junction.database.pool;
    await pool.query(
      `insert into sync_backfills (id, sync_id, sync_version, plan, requested_by)
       values ($1, $2, 1, '{walk:a}', 'test')`,
      [backfill, id],
    );
    const { database } = s.t.junction;
    const sync = await bulkSyncOf(s.t, id);
    const seen: ReturnType<typeof progressOf>[] = [];
    await runBackfill(
      {
        db: database.db,
        logger: createLogger('silent'),
        pageSize: 50,
        onPage: (row) => seen.push(progressOf(row)),
      },
      sync,
      backfill,
    );
    expect(seen.length).toBeGreaterThan(2);
    // Counted before the first page was read (the CRM table's select count(*)).
    expect(seen[0]).toMatchObject({ done: 50, total });
    expect(seen[0]?.ratePerSecond).toBeGreaterThan(0);
    expect(Date.parse(seen[0]?.eta ?? '')).toBeGreaterThan(0);
    expect(seen.every((p) => p.total === total)).toBe(true);
    const done = await finished(api, `/v1/syncs/${id}/backfills/${backfill}`);
    expect(done).toMatchObject({
      state: 'succeeded',
      totals: { a: total, b: null },
      created: { b: total },
      progress: { done: total, total, eta: null },
    });
  });
});
