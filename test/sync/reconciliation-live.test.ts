import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReconciliation } from '../../core/src/sync/run-reconciliation.js';
import { apiOf } from '../support/api.js';
import { until } from '../support/until.js';
import {
  bulkSyncOf,
  createErpTable,
  createSync,
  crmErpSync,
  crmTableSql,
  finished,
} from './bulk-support.js';
import { maria, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';

// The in-process worker runs the sync's change detection (every second) beside the
// reconciliation this test runs itself, pausing it between its phases to edit both systems.
const available = await mariadbAvailable();
const s = useSyncJunction({ JUNCTION_SYNC_PAGE_SIZE: '20' });
const crm = tableName('rl_crm');
const erp = tableName('rl_erp');
const PEOPLE = 200;

beforeAll(async () => {
  if (!available) return;
  await s.pg(crmTableSql(crm));
  await createErpTable(erp);
  // The same people on both sides, last modified a day ago a minute apart (change detection
  // re-reads only the last 5 s before the newest change it saw).
  await s.pg(
    `insert into ${crm} (email, full_name, updated_at) select 'p' || g || '@example.com',
       'Person ' || g, now() - interval '1 day' - g * interval '1 minute'
     from generate_series(1, $1::int) g`,
    [PEOPLE],
  );
  const people = Array.from({ length: PEOPLE }, (_, i) => i + 1);
  await maria(
    `insert into ${erp} (email, name, updated_at) values ${people.map(() => '(?, ?, ?)').join(', ')}`,
    people.flatMap((g) => [
      `p${g}@example.com`,
      `Person ${g}`,
      new Date(Date.now() - 86_400_000 - g * 60_000).toISOString().slice(0, 23).replace('T', ' '),
    ]),
  );
});
afterAll(async () => {
  if (!available) return;
  await maria(`drop table if exists ${erp}`);
});

const crmKey = async (email: string) =>
  String((await s.pg(`select id from ${crm} where email = $1`, [email]))[0]?.id);
const erpKey = async (email: string) =>
  String((await maria(`select id from ${erp} where email = ?`, [email]))[0]?.id);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `'p${from + i}@example.com'`).join(', ');

describe.skipIf(!available)('a reconciliation beside the running sync', () => {
  it('reports none of the edits the sync carries while it runs, and every drift behind its back', async () => {
    const api = apiOf(s.t);
    const pool = s.t.junction.database.pool;
    const id = await createSync(
      api,
      crmErpSync(
        { pg: s.pgConnection, mysql: s.mysqlConnection },
        { crm, erp },
        {
          intervalSeconds: 1,
        },
      ),
    );
    const backfill = await api.post(`/v1/syncs/${id}/backfill`);
    const linked = await finished(api, `/v1/syncs/${id}/backfills/${backfill.body.id}`);
    expect(linked).toMatchObject({ state: 'succeeded', linked: PEOPLE, created: { a: 0, b: 0 } });
    const enabled = await api.post(`/v1/syncs/${id}/enable`, undefined, { 'if-match': '"r1"' });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    const lastRunAt = async () => (await api.get(`/v1/syncs/${id}`)).body.lastRun?.at as string;
    await until(lastRunAt, 30_000);

    // Drift behind Junction's back, which change detection does not see (no modified-at moves).
    await maria(`update ${erp} set name = 'Hand Edited' where email = 'p10@example.com'`);
    await s.pg(`update ${crm} set full_name = 'Quietly Renamed' where email = 'p20@example.com'`);
    await s.pg(
      `insert into ${crm} (email, full_name, updated_at) values ('old.crm@example.com', 'Old', '2001-01-01')`,
    );
    await maria(
      `insert into ${erp} (email, name, updated_at) values ('old.erp@example.com', 'Old', '2001-01-01')`,
    );
    await pool.query('delete from sync_links where sync_id = $1 and a_key = $2', [
      id,
      await crmKey('p30@example.com'),
    ]);
    const expected = [
      {
        kind: 'differs',
        aKey: await crmKey('p10@example.com'),
        bKey: await erpKey('p10@example.com'),
      },
      {
        kind: 'differs',
        aKey: await crmKey('p20@example.com'),
        bKey: await erpKey('p20@example.com'),
      },
      { kind: 'only_a', aKey: await crmKey('old.crm@example.com'), bKey: null },
      { kind: 'only_b', aKey: null, bKey: await erpKey('old.erp@example.com') },
      {
        kind: 'unlinked',
        aKey: await crmKey('p30@example.com'),
        bKey: await erpKey('p30@example.com'),
      },
    ];

    // Queued without a job: this test runs it, pausing it as each phase begins.
    const rid = `src_live_${id}`;
    await pool.query(
      `insert into sync_reconciliations (id, sync_id, sync_version, trigger, requested_by)
       values ($1, $2, 1, 'api', 'test')`,
      [rid, id],
    );
    const { database } = s.t.junction;
    const sync = await bulkSyncOf(s.t, id);
    const beforePhase = async (phase: string) => {
      if (phase === 'list:b') {
        // A has been listed. Edits and creates in the CRM, carried to the ERP by the sync
        // before B is listed: the snapshot holds A before them and B after them.
        await s.pg(
          `update ${crm} set full_name = 'Edited ' || full_name, updated_at = now() where email in (${range(40, 49)})`,
        );
        await s.pg(
          `insert into ${crm} (email, full_name) values ('n1@example.com', 'New 1'),
           ('n2@example.com', 'New 2'), ('n3@example.com', 'New 3')`,
        );
        await until(async () => {
          const [row] = await maria(
            `select count(*) as n from ${erp} where name like 'Edited %' or email like 'n_@example.com'`,
          );
          return Number(row?.n) === 13;
        }, 30_000);
      }
      if (phase === 'compare') {
        // Edits on both sides that the sync has not carried yet when the comparison starts.
        await s.pg(
          `update ${crm} set full_name = 'Again ' || full_name, updated_at = now() where email in (${range(40, 44)})`,
        );
        await maria(
          `update ${erp} set name = concat('ERP ', name), updated_at = current_timestamp(3) where email in (${range(80, 84)})`,
        );
      }
    };
    const done = await runReconciliation(
      { db: database.db, logger: createLogger('silent'), pageSize: 20, beforePhase },
      sync,
      rid,
    );
    const view = (await api.get(`/v1/syncs/${id}/reconciliations/${rid}`)).body;
    console.info('live reconciliation', JSON.stringify(view));
    expect(done?.state).toBe('succeeded');
    // The 10 edited pairs and the 3 created ones looked like drift in the snapshot.
    expect(view.dismissed).toBeGreaterThanOrEqual(13);
    expect(view.counts).toEqual({ only_a: 1, only_b: 1, differs: 2, stale_link: 0, unlinked: 1 });
    const items = (await api.get(`/v1/syncs/${id}/reconciliations/${rid}/items?limit=100`)).body
      .data as { kind: string; aKey: string | null; bKey: string | null; fields: unknown }[];
    expect(items.map(({ kind, aKey, bKey }) => ({ kind, aKey, bKey }))).toEqual(
      expect.arrayContaining(expected),
    );
    expect(items).toHaveLength(expected.length);
    expect(items.find((i) => i.aKey === expected[0]?.aKey)?.fields).toEqual([
      { field: 'values.name', a: 'Person 10', b: 'Hand Edited' },
    ]);
    // The sync went on polling (a poll that found the lock held came back later).
    const after = await lastRunAt();
    await until(async () => ((await lastRunAt()) !== after ? true : undefined), 30_000);
    const disabled = await api.post(`/v1/syncs/${id}/disable`, undefined, {
      'if-match': enabled.headers.get('etag') ?? '',
    });
    expect(disabled.status).toBe(200);

    // Enabled, but its change detection stopped ten minutes ago (its worker gone): an edit it
    // would carry is not on its way, so it is drift.
    await until(async () => {
      const { rows } = await pool.query(
        `select count(*)::int as n from graphile_worker.jobs where key = $1`,
        [`sync:${id}`],
      );
      return rows[0].n === 0 ? true : undefined;
    }, 30_000);
    await pool.query(
      `update syncs set enabled = true, last_run = jsonb_build_object('at', $2::text, 'ok', true)
       where id = $1`,
      [id, new Date(Date.now() - 600_000).toISOString()],
    );
    await s.pg(
      `update ${crm} set full_name = 'Unsynced', updated_at = now() where email = 'p90@example.com'`,
    );
    const stopped = `src_stopped_${id}`;
    await pool.query(
      `insert into sync_reconciliations (id, sync_id, sync_version, trigger, requested_by)
       values ($1, $2, 1, 'api', 'test')`,
      [stopped, id],
    );
    await runReconciliation(
      { db: database.db, logger: createLogger('silent'), pageSize: 20 },
      sync,
      stopped,
    );
    const unsynced = (await api.get(`/v1/syncs/${id}/reconciliations/${stopped}/items?limit=100`))
      .body.data as { kind: string; aKey: string | null; fields: unknown }[];
    expect(unsynced).toContainEqual(
      expect.objectContaining({
        kind: 'differs',
        aKey: await crmKey('p90@example.com'),
        fields: [{ field: 'values.name', a: 'Unsynced', b: 'Person 90' }],
      }),
    );
    await pool.query('update syncs set enabled = false where id = $1', [id]);
  }, 120_000);
});
