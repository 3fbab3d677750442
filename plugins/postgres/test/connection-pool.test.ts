import { InvalidInputError, RetryableError, validateFields } from '@junction/connector-kit';
import { runActionForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { until } from '../../../test/support/until.js';
import connector from '../src/index.js';
import { closePools, poolStats } from '../src/pool-registry.js';
import { contextFor, sql } from './support.js';

let db: TestDatabase;
let dbName: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dbName = new URL(db.url).pathname.slice(1);
  await sql(
    db.url,
    `create table things (id integer primary key, name text, extra text);
     create table slow (id integer primary key);
     create view napping as select 1 as id, pg_sleep(0.2)::text as nap;
     create function nap() returns trigger language plpgsql as $$
       begin perform pg_sleep(30); return new; end $$;
     create trigger slow_nap before insert on slow for each row execute function nap();`,
  );
});
afterAll(async () => {
  await closePools();
  await db.drop();
});

const run = (key: string, input: Record<string, unknown>, ctx = contextFor(db.url)) =>
  runActionForTest(connector, key, input, ctx);

/** The plugin's sessions on the test database, as the server lists them. */
const backends = () =>
  sql<{ pid: number; state: string | null; wait_event: string | null }>(
    db.url,
    `select pid, state, wait_event from pg_stat_activity
      where datname = $1 and application_name = 'junction'`,
    [dbName],
  );

describe('postgres connection pool', () => {
  it('reuses one pool per connection: sequential calls share one session, parallel ones at most 10 (the default pool size)', async () => {
    await closePools();
    const before = poolStats().created;
    for (let i = 0; i < 10; i += 1) {
      await run('lookup-row', { table: 'things', keyColumn: 'id', key: String(i) });
    }
    expect(poolStats().created).toBe(before + 1);
    expect(await backends()).toHaveLength(1);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run('lookup-row', { table: 'things', keyColumn: 'id', key: String(i) }),
      ),
    );
    expect(poolStats().created).toBe(before + 1);
    const open = (await backends()).length;
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(10);
  });

  it("opens at most the connection's poolSize sessions, in a pool of its own", async () => {
    await closePools();
    const before = poolStats().created;
    const ctx = contextFor(db.url);
    const small = { ...ctx, credentials: { ...ctx.credentials, poolSize: 2 } };
    // Each call holds its session for 200 ms, so 12 at once would open 12 sessions if allowed.
    await Promise.all(
      Array.from({ length: 12 }, () =>
        run('lookup-row', { table: 'napping', keyColumn: 'id', key: '1' }, small),
      ),
    );
    expect(await backends()).toHaveLength(2);
    await run('lookup-row', { table: 'things', keyColumn: 'id', key: '1' });
    expect(poolStats().created).toBe(before + 2); // the default-sized pool is another one
  });

  it('refuses a poolSize outside 1 to 100, naming the field', () => {
    for (const poolSize of [0, 101, 2.5, 'ten']) {
      const { problems } = validateFields(connector.auth.fields, {
        connectionString: db.url,
        poolSize,
      });
      expect(problems).toEqual([{ pointer: '/poolSize', message: expect.any(String) }]);
    }
    expect(validateFields(connector.auth.fields, { connectionString: db.url }).value).toMatchObject(
      { poolSize: 10 },
    );
  });

  it('different credentials get their own pool; closePools ends every session', async () => {
    const before = poolStats().created;
    const other = new URL(db.url);
    other.searchParams.set('application_name', 'ignored'); // a different setting, a different pool
    await run(
      'lookup-row',
      { table: 'things', keyColumn: 'id', key: '1' },
      contextFor(String(other)),
    );
    expect(poolStats().created).toBe(before + 1);
    await closePools();
    expect(poolStats().open).toBe(0);
    await until(async () => (await backends()).length === 0, 5_000);
  });
});

describe('postgres column cache', () => {
  it('sees a column added since the columns were cached, at once', async () => {
    await run('insert-row', { table: 'things', values: { id: 1, name: 'a' } });
    await sql(db.url, 'alter table things add column nickname text');
    const out = await run('update-row', {
      table: 'things',
      keyColumn: 'id',
      key: '1',
      values: { nickname: 'Ace' },
    });
    expect(out).toMatchObject({ found: true, row: { id: 1, nickname: 'Ace' } });
  });

  it('reads the columns again after a statement fails on a dropped column', async () => {
    await run('insert-row', { table: 'things', values: { id: 2, extra: 'x' } });
    await sql(db.url, 'alter table things drop column extra');
    // The cached list still names `extra`: the statement runs and PostgreSQL refuses it (42703).
    const stale = run('insert-row', { table: 'things', values: { id: 3, extra: 'y' } });
    await expect(stale).rejects.toThrow(/42703/);
    // That failure cleared the cache: the check now refuses the name itself, at /values.
    const fresh = await run('insert-row', { table: 'things', values: { id: 3, extra: 'y' } }).catch(
      (e: unknown) => e,
    );
    expect(fresh).toBeInstanceOf(InvalidInputError);
    expect((fresh as InvalidInputError).problems).toEqual([
      {
        pointer: '/values',
        message: 'no column "extra" in "public"."things" (columns: id, name, nickname)',
      },
    ]);
    expect(await sql(db.url, 'select id from things where id = 3')).toEqual([]);
  });

  it('still refuses an unknown column of a cached table, and changes nothing', async () => {
    const error = await run('update-row', {
      table: 'things',
      keyColumn: 'id',
      key: '1',
      values: { 'name"; drop table things; --': 'x' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(await sql(db.url, 'select id, name from things where id = 1')).toEqual([
      { id: 1, name: 'a' },
    ]);
  });
});

describe('postgres abort', () => {
  it('an aborted step cancels its running statement and destroys its client', async () => {
    const controller = new AbortController();
    const ctx = { ...contextFor(db.url), signal: controller.signal };
    const pending = run('insert-row', { table: 'slow', values: { id: 1 } }, ctx).catch(
      (e: unknown) => e,
    );
    const sleeping = await until(
      async () => (await backends()).find((b) => b.wait_event === 'PgSleep'),
      10_000,
    );
    const started = Date.now();
    controller.abort(new Error('step timed out'));
    const error = await pending;
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('PostgreSQL: the step was cancelled: step timed out');
    expect(Date.now() - started).toBeLessThan(5_000);
    // The backend that ran it is gone well before the 30 s statement timeout: not idle in the pool.
    await until(async () => !(await backends()).some((b) => b.pid === sleeping.pid), 5_000);
    expect(await sql(db.url, 'select id from slow')).toEqual([]);
    // The pool goes on serving calls.
    expect(await run('lookup-row', { table: 'things', keyColumn: 'id', key: '1' })).toMatchObject({
      found: true,
    });
  });

  it('a step aborted before it starts runs nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const ctx = { ...contextFor(db.url), signal: controller.signal };
    const error = await run('insert-row', { table: 'things', values: { id: 9 } }, ctx).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect(await sql(db.url, 'select id from things where id = 9')).toEqual([]);
  });
});
