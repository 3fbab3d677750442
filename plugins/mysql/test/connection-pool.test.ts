import { InvalidInputError, RetryableError } from '@junction/connector-kit';
import { runActionForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import connector from '../src/index.js';
import { closePools, poolStats } from '../src/pool-registry.js';
import { contextFor, mysqlAvailable, sql, tableName } from './support.js';

const available = await mysqlAvailable();
// A database of this file's own: the plugin's sessions are the ones whose current database it is.
const database = tableName('jt_pool');

const run = (key: string, input: Record<string, unknown>, ctx = contextFor({}, { database })) =>
  runActionForTest(connector, key, input, ctx);

/** The plugin's sessions, as the server lists them. */
const sessions = () =>
  sql('select id, state, info from information_schema.processlist where db = ?', [database]);

describe.skipIf(!available)('mysql connection pool, column cache and abort', () => {
  beforeAll(async () => {
    await sql(`create database ${database}`);
    await sql(`create table ${database}.things (id int primary key, code varchar(20), name text)`);
    await sql(`create table ${database}.slow_base (id int primary key)`);
    await sql(`insert into ${database}.slow_base values (1)`);
    await sql(
      `create view ${database}.slow as select id, sleep(30) as nap from ${database}.slow_base`,
    );
  });
  afterAll(async () => {
    await closePools();
    if (available) await sql(`drop database if exists ${database}`);
  });

  it('reuses one pool per connection: sequential calls share one session, parallel ones at most 5', async () => {
    await closePools();
    const before = poolStats().created;
    for (let i = 0; i < 10; i += 1) {
      await run('lookup-row', { table: 'things', keyColumn: 'id', key: String(i) });
    }
    expect(poolStats().created).toBe(before + 1);
    expect(await sessions()).toHaveLength(1);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run('lookup-row', { table: 'things', keyColumn: 'id', key: String(i) }),
      ),
    );
    expect(poolStats().created).toBe(before + 1);
    const open = (await sessions()).length;
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(5);
    await closePools();
    await until(async () => (await sessions()).length === 0, 5_000);
  });

  it('sees a column added since the table was cached, at once', async () => {
    await run('insert-row', { table: 'things', values: { id: 1, name: 'a' } });
    await sql(`alter table ${database}.things add column nickname varchar(20) null`);
    const out = await run('update-row', {
      table: 'things',
      keyColumn: 'id',
      key: '1',
      values: { nickname: 'Ace' },
    });
    expect(out).toMatchObject({ found: true, row: { id: 1, nickname: 'Ace' } });
  });

  it('reads the columns again after a statement fails on a dropped column', async () => {
    await run('insert-row', { table: 'things', values: { id: 2, name: 'b' } });
    await sql(`alter table ${database}.things drop column name`);
    // The cached list still names `name`: the statement runs and the server refuses it.
    const stale = run('insert-row', { table: 'things', values: { id: 3, name: 'c' } });
    await expect(stale).rejects.toThrow(/ER_BAD_FIELD_ERROR/);
    // That failure cleared the cache: the check now refuses the name itself, at /values.
    const fresh = await run('insert-row', { table: 'things', values: { id: 3, name: 'c' } }).catch(
      (e: unknown) => e,
    );
    expect(fresh).toBeInstanceOf(InvalidInputError);
    expect((fresh as InvalidInputError).problems).toEqual([
      {
        pointer: '/values',
        message: `no column "name" in "${database}"."things" (columns: id, code, nickname)`,
      },
    ]);
    expect(await sql(`select id from ${database}.things where id = 3`)).toEqual([]);
  });

  it('upsert: a unique index added later is seen at once; one dropped later is caught, changing nothing', async () => {
    const noIndex = await run('upsert-row', {
      table: 'things',
      keyColumn: 'code',
      key: 'A',
      values: {},
    }).catch((e: unknown) => e);
    expect(noIndex).toBeInstanceOf(InvalidInputError);
    await sql(`alter table ${database}.things add unique index things_code (code)`);
    const first = await run('upsert-row', {
      table: 'things',
      keyColumn: 'code',
      key: 'A',
      values: { id: 10 },
    });
    expect(first).toMatchObject({ created: true, row: { id: 10, code: 'A' } });
    await sql(`alter table ${database}.things drop index things_code`);
    // The cached description still says `code` is unique; the duplicate it would make is undone.
    const dropped = await run('upsert-row', {
      table: 'things',
      keyColumn: 'code',
      key: 'A',
      values: { id: 11 },
    }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(InvalidInputError);
    expect((dropped as InvalidInputError).problems[0]?.pointer).toBe('/keyColumn');
    expect(await sql(`select id from ${database}.things where code = 'A'`)).toEqual([{ id: 10 }]);
  });

  it('an aborted step kills its running statement and destroys its connection', async () => {
    const controller = new AbortController();
    const ctx = { ...contextFor({}, { database }), signal: controller.signal };
    const pending = run('lookup-row', { table: 'slow', keyColumn: 'id', key: '1' }, ctx).catch(
      (e: unknown) => e,
    );
    const sleeping = await until(
      async () => (await sessions()).find((s) => String(s.info ?? '').includes('slow')),
      10_000,
    );
    const started = Date.now();
    controller.abort(new Error('step timed out'));
    const error = await pending;
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('MySQL: the step was cancelled: step timed out');
    expect(Date.now() - started).toBeLessThan(5_000);
    // The session that ran it is gone well before the 30 s sleep ends: not idle in the pool.
    await until(async () => !(await sessions()).some((s) => s.id === sleeping.id), 5_000);
    expect(await run('lookup-row', { table: 'things', keyColumn: 'id', key: '1' })).toMatchObject({
      found: true,
    });
  });
});
