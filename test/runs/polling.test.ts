import { connector as postgres } from '@junction/plugin-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { apiOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

// A "CRM" table in the test database is polled through the real postgres plugin; each change
// becomes an event whose run upserts an "ERP" row through the same plugin.
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let source: pg.Pool;
/** The CRM's and ERP's tables: a database of their own (Junction's own is refused by egress). */
let business: TestDatabase;
let integrationId: string;

const watched = { table: 'crm_contacts', batchSize: 2, safetyLagSeconds: 0 };

beforeAll(async () => {
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100' },
    { connectors: createStaticConnectorSource([postgres]) },
  );
  api = apiOf(t);
  business = await createTestDatabase();
  source = new pg.Pool({ connectionString: business.url, max: 2 });
  await source.query(`
    create table crm_contacts (id integer primary key, email text not null, updated_at timestamptz(6));
    create table erp_customers (id integer primary key, email text not null, updated_at timestamptz(6))`);
  const connection = await api.post('/v1/connections', {
    name: 'CRM and ERP database',
    connector: 'postgres',
    credentials: { connectionString: business.url },
  });
  expect(connection.status, JSON.stringify(connection.body)).toBe(201);
  const created = await api.post('/v1/integrations', {
    name: 'CRM contacts to ERP customers',
    trigger: {
      connector: 'postgres',
      trigger: 'row-changed',
      connection: connection.body.id,
      recordKey: 'key',
      settings: { ...watched, intervalSeconds: 1 },
    },
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'customer',
            connector: 'postgres',
            connection: connection.body.id,
            action: 'upsert-row',
            mapping: {
              table: 'erp_customers',
              keyColumn: 'id',
              key: { var: 'event.key' },
              values: { var: 'event.row' },
            },
          },
        ],
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  integrationId = created.body.id;
  const enabled = await api.post(`/v1/integrations/${integrationId}/enable`, undefined, {
    'if-match': created.headers.get('etag') as string,
  });
  expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
}, 60_000);

afterAll(async () => {
  await source?.end();
  await t?.close();
  await business?.drop();
});

const query = async <R extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
  (await t.junction.database.pool.query<R>(text, params)).rows;

async function eventKeys(): Promise<string[]> {
  const rows = await query<{ dedupe_key: string }>(
    'select dedupe_key from events where integration_id = $1 order by seq',
    [integrationId],
  );
  return rows.map((r) => r.dedupe_key);
}

async function pollStatus() {
  const [row] = await query<{ value: { at: string; kind: string; message?: string } }>(
    `select value from integration_state where integration_id = $1 and key = 'poll'`,
    [integrationId],
  );
  return row?.value;
}

/** Waits until exactly `keys` (in any order) were turned into events and every run succeeded. */
async function delivered(keys: string[]) {
  await until(async () => {
    const got = await eventKeys();
    return got.length >= keys.length;
  }, 30_000);
  await until(async () => {
    const [row] = await query<{ open: number }>(
      `select count(*)::int as open from runs where integration_id = $1 and state <> 'succeeded'`,
      [integrationId],
    );
    return row?.open === 0;
  }, 30_000);
  expect((await eventKeys()).sort()).toEqual([...keys].sort());
}

const key = (id: number, at: string) => `${id}@${at}`;

describe('polling trigger through the postgres plugin', () => {
  it('schedules one poll job per enabled integration, keyed by the integration', async () => {
    const jobs = await query<{ key: string; task_identifier: string }>(
      'select key, task_identifier from graphile_worker.jobs where key is not null',
    );
    expect(jobs.filter((j) => j.key === `poll:${integrationId}`)).toEqual([
      { key: `poll:${integrationId}`, task_identifier: 'trigger.poll' },
    ]);
  });

  it('picks up inserts and updates across several polls, with no misses or duplicates, rows sharing one updated-at included', async () => {
    await source.query(`insert into crm_contacts values
      (1, 'a@x.test', '2024-05-01T10:00:00.5Z'), (2, 'b@x.test', '2024-05-01T10:00:00.5Z'),
      (3, 'c@x.test', '2024-05-01T10:00:00.5Z'), (4, 'd@x.test', '2024-05-01T10:00:00.5Z'),
      (5, 'e@x.test', '2024-05-01T10:00:01Z'), (6, 'f@x.test', null)`);
    // Five rows at two per poll: at least three polls; sample the cursor against the stored
    // events meanwhile: both are written in one transaction, so every snapshot agrees.
    const samples: { cursor: unknown; last: string | null }[] = [];
    const sampling = (async () => {
      while ((await eventKeys()).length < 5) {
        const [row] = await query<{ cursor: unknown; last: string | null }>(
          `select (select value from integration_state where integration_id = $1 and key = 'cursor') as cursor,
                  (select dedupe_key from events where integration_id = $1 order by seq desc limit 1) as last`,
          [integrationId],
        );
        if (row) samples.push(row);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const first = ['1', '2', '3', '4'].map((id) => key(Number(id), '2024-05-01T10:00:00.5+00:00'));
    await delivered([...first, key(5, '2024-05-01T10:00:01+00:00')]);
    await sampling;
    for (const sample of samples) {
      if (sample.last === null) {
        expect(sample.cursor).toBeNull();
        continue;
      }
      const cursor = JSON.parse(String(sample.cursor)) as { key: string; updatedAt: string };
      expect(`${cursor.key}@${cursor.updatedAt}`).toBe(sample.last);
    }
    expect(samples.some((s) => s.last !== null)).toBe(true);

    await source.query(
      `update crm_contacts set email = 'b2@x.test', updated_at = '2024-05-02T00:00:00Z' where id = 2`,
    );
    await source.query(`insert into crm_contacts values (7, 'g@x.test', '2024-05-02T00:00:00Z')`);
    await delivered([
      ...first,
      key(5, '2024-05-01T10:00:01+00:00'),
      key(2, '2024-05-02T00:00:00+00:00'),
      key(7, '2024-05-02T00:00:00+00:00'),
    ]);
    const { rows: erp } = await source.query<{ id: number; email: string }>(
      'select id, email from erp_customers order by id',
    );
    expect(erp).toEqual([
      { id: 1, email: 'a@x.test' },
      { id: 2, email: 'b2@x.test' },
      { id: 3, email: 'c@x.test' },
      { id: 4, email: 'd@x.test' },
      { id: 5, email: 'e@x.test' },
      { id: 7, email: 'g@x.test' },
    ]);
    const [{ cursor }] = (await query<{ cursor: string }>(
      `select value as cursor from integration_state where integration_id = $1 and key = 'cursor'`,
      [integrationId],
    )) as [{ cursor: string }];
    expect(JSON.parse(cursor)).toEqual({
      table: 'public.crm_contacts',
      updatedAt: '2024-05-02T00:00:00+00:00',
      key: '7',
    });
  }, 60_000);

  it('a failed poll keeps the cursor and stores nothing; the next good poll resumes from it', async () => {
    const [before] = await query<{ value: string }>(
      `select value from integration_state where integration_id = $1 and key = 'cursor'`,
      [integrationId],
    );
    const eventsBefore = await eventKeys();
    const since = new Date().toISOString();
    await source.query('alter table crm_contacts rename to crm_contacts_moved');
    await source.query(
      `insert into crm_contacts_moved values (8, 'h@x.test', '2024-05-03T00:00:00Z')`,
    );
    const failed = await until(async () => {
      const status = await pollStatus();
      return status && status.at > since && status.kind === 'failed' ? status : undefined;
    }, 15_000);
    expect(failed.message).toMatch(/crm_contacts/);
    const [after] = await query<{ value: string }>(
      `select value from integration_state where integration_id = $1 and key = 'cursor'`,
      [integrationId],
    );
    expect(after).toEqual(before);
    expect(await eventKeys()).toEqual(eventsBefore);

    await source.query('alter table crm_contacts_moved rename to crm_contacts');
    await delivered([...eventsBefore, key(8, '2024-05-03T00:00:00+00:00')]);
  }, 60_000);

  it('never polls one integration twice at once: a poll finding the lock taken skips and keeps the schedule', async () => {
    // Advisory locks are per database: this one is taken in Junction's, as its polls take it.
    const lock = await t.junction.database.pool.connect();
    try {
      await lock.query('select pg_advisory_lock(hashtextextended($1, 11))', [
        `poll:${integrationId}`,
      ]);
      const status = await pollStatus();
      const [job] = await query<{ id: string }>(
        'select id from graphile_worker.jobs where key = $1',
        [`poll:${integrationId}`],
      );
      await source.query(`insert into crm_contacts values (9, 'i@x.test', '2024-05-04T00:00:00Z')`);
      // A skipped poll reschedules itself as a new job; two of them prove polls came and went.
      let seen = job?.id;
      let skips = 0;
      await until(async () => {
        const [next] = await query<{ id: string }>(
          'select id from graphile_worker.jobs where key = $1',
          [`poll:${integrationId}`],
        );
        if (next && next.id !== seen) {
          seen = next.id;
          skips++;
        }
        return skips >= 2;
      }, 15_000);
      expect(await pollStatus()).toEqual(status);
      expect(await eventKeys()).not.toContain(key(9, '2024-05-04T00:00:00+00:00'));
    } finally {
      await lock.query('select pg_advisory_unlock_all()');
      lock.release();
    }
    await until(async () => (await eventKeys()).includes(key(9, '2024-05-04T00:00:00+00:00')));
  }, 60_000);

  it('refuses a poll interval that is not 1 to 86400 seconds, and stores nothing', async () => {
    const before = await query('select id from integrations order by id');
    const current = await api.get(`/v1/integrations/${integrationId}`);
    const { webhookPath: _, ...definition } = current.body.definition;
    for (const intervalSeconds of [0, 'often', 100_000]) {
      const res = await api.post('/v1/integrations', {
        ...definition,
        trigger: { ...definition.trigger, settings: { ...watched, intervalSeconds } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          pointer: '/trigger/settings/intervalSeconds',
          detail: expect.stringMatching(
            /^must be (a number of seconds|between 1 and 86400 seconds)$/,
          ),
        }),
      ]);
    }
    expect(await query('select id from integrations order by id')).toEqual(before);
  });

  it('disabling removes the schedule, and a worker start does not bring it back', async () => {
    const current = await api.get(`/v1/integrations/${integrationId}`);
    const disabled = await api.post(`/v1/integrations/${integrationId}/disable`, undefined, {
      'if-match': current.headers.get('etag') as string,
    });
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    await until(async () => {
      const jobs = await query(
        'select 1 from graphile_worker.jobs where key = $1 and locked_at is null',
        [`poll:${integrationId}`],
      );
      return jobs.length === 0;
    });
    const { reconcilePollSchedules } = await import('../../core/src/engine/poll-schedule.js');
    const outcome = await reconcilePollSchedules(
      t.junction.database.db,
      t.junction.services.connectors,
      t.junction.logger,
    );
    expect(outcome.scheduled).toBe(0);
    expect(
      await query('select 1 from graphile_worker.jobs where key = $1 and locked_at is null', [
        `poll:${integrationId}`,
      ]),
    ).toEqual([]);
  });

  it('a worker start reschedules an enabled integration whose poll job was lost', async () => {
    const current = await api.get(`/v1/integrations/${integrationId}`);
    const enabled = await api.post(`/v1/integrations/${integrationId}/enable`, undefined, {
      'if-match': current.headers.get('etag') as string,
    });
    expect(enabled.status).toBe(200);
    await until(
      async () =>
        (
          await query(`select 1 from graphile_worker.jobs where key = $1`, [
            `poll:${integrationId}`,
          ])
        ).length === 1,
    );
    // Lost: deleted behind Junction's back (as a restore from an old backup could). A poll that
    // is running meanwhile schedules the next one as it ends, so the deletion is repeated until
    // it lands between two polls.
    await until(async () => {
      await query(`select graphile_worker.remove_job($1)`, [`poll:${integrationId}`]);
      const left = await query(`select 1 from graphile_worker.jobs where key = $1`, [
        `poll:${integrationId}`,
      ]);
      return left.length === 0;
    });
    const { reconcilePollSchedules } = await import('../../core/src/engine/poll-schedule.js');
    const outcome = await reconcilePollSchedules(
      t.junction.database.db,
      t.junction.services.connectors,
      t.junction.logger,
    );
    // Scheduled by the reconciliation (or, had a poll been running, by that poll): one job.
    expect(outcome.removed).toBe(0);
    expect(
      await query('select 1 from graphile_worker.jobs where key = $1', [`poll:${integrationId}`]),
    ).toHaveLength(1);
    await source.query(`insert into crm_contacts values (10, 'j@x.test', '2024-05-05T00:00:00Z')`);
    await until(async () => (await eventKeys()).includes(key(10, '2024-05-05T00:00:00+00:00')));
  }, 30_000);
});
