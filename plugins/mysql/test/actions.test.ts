import { readFile } from 'node:fs/promises';
import {
  buildManifest,
  InvalidInputError,
  RetryableError,
  validateConnector,
} from '@junction/connector-kit';
import { checkSamples, createTestContext, runActionForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import connector, { pollSettingsFields } from '../src/index.js';
import { closePools } from '../src/pool-registry.js';
import { contextFor, credentials, mysqlAvailable, sql, tableName } from './support.js';

const available = await mysqlAvailable();
const people = tableName('jt_people');

const run = (key: string, input: Record<string, unknown>) =>
  runActionForTest(connector, key, input, contextFor());
const parse = (out: Record<string, unknown>) => out.row as Record<string, unknown>;

describe('mysql connector definition', () => {
  it('passes validateConnector with zero problems and its samples match its fields', () => {
    expect(validateConnector(connector)).toEqual([]);
    expect(checkSamples(connector)).toEqual([]);
  });

  it('declares values and rows as JSON objects, and the trigger settings in the manifest', () => {
    const manifest = buildManifest(connector);
    const insert = manifest.actions.find((a) => a.key === 'insert-row');
    expect(insert?.input).toMatchObject({
      properties: { values: { type: 'object' } },
      required: ['table', 'values'],
    });
    expect(insert?.output).toMatchObject({ properties: { row: { type: 'object' } } });
    expect(manifest.triggers[0]?.settings).toMatchObject({
      properties: { table: { type: 'string' }, keyColumn: { default: 'id' } },
      required: ['table'],
    });
  });

  it('README names every trigger, action, credential field and setting', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const names = [
      ...(connector.triggers ?? []).map((t) => t.key),
      ...(connector.actions ?? []).map((a) => a.key),
      ...Object.keys(connector.auth.kind === 'custom' ? connector.auth.fields : {}),
      ...Object.keys(pollSettingsFields),
    ];
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});

describe.skipIf(!available)('mysql actions', () => {
  beforeAll(async () => {
    await sql(
      `create table ${people} (
         id int auto_increment primary key,
         email varchar(100) not null unique,
         name varchar(100) null,
         tags json null,
         created_at datetime(6) not null default current_timestamp(6)
       )`,
    );
  });
  afterAll(async () => {
    await closePools();
    await sql(`drop table if exists ${people}`);
  });
  const snapshot = () => sql(`select * from ${people} order by id`);

  it('test hook: connects, and explains a failure', async () => {
    expect(await connector.auth.test?.(contextFor())).toEqual({ ok: true });
    const outcome = await connector.auth.test?.(contextFor({}, { port: 1 }));
    expect(outcome?.ok).toBe(false);
  });

  it('insert-row returns the stored row read back by its auto-increment key', async () => {
    const out = await run('insert-row', {
      table: people,
      values: { email: 'ann@x.test', name: 'Ann', tags: ['a', { b: 1 }] },
    });
    const row = parse(out);
    expect(row).toMatchObject({ email: 'ann@x.test', name: 'Ann' });
    // MySQL's JSON type comes back parsed; MariaDB's (a checked LONGTEXT) may come back as text.
    const tags = typeof row.tags === 'string' ? JSON.parse(row.tags) : row.tags;
    expect(tags).toEqual(['a', { b: 1 }]);
    expect(typeof row.id).toBe('number');
  });

  it('update-row by key (as text); found: false when missing', async () => {
    const [ann] = await sql(`select id from ${people} where email = 'ann@x.test'`);
    const out = await run('update-row', {
      table: people,
      key: String(ann?.id),
      values: { name: 'Ann Lee' },
    });
    expect(out.found).toBe(true);
    expect(parse(out).name).toBe('Ann Lee');
    expect(
      await run('update-row', { table: people, key: '999999', values: { name: 'x' } }),
    ).toEqual({
      found: false,
    });
  });

  it('upsert-row creates, then updates by a unique key; a retry changes nothing more', async () => {
    const input = {
      table: people,
      keyColumn: 'email',
      key: 'bob@x.test',
      values: { name: 'Bob' },
    };
    const first = await run('upsert-row', input);
    expect(first.created).toBe(true);
    const again = await run('upsert-row', input);
    expect(again.created).toBe(false);
    expect(parse(again).id).toBe(parse(first).id);
    const renamed = await run('upsert-row', { ...input, values: { name: 'Robert' } });
    expect(parse(renamed)).toMatchObject({ name: 'Robert', email: 'bob@x.test' });
    expect(await snapshot()).toHaveLength(2);
  });

  it('lookup-row and delete-row by key', async () => {
    const found = await run('lookup-row', { table: people, keyColumn: 'email', key: 'bob@x.test' });
    expect(parse(found).name).toBe('Robert');
    const del = { table: people, keyColumn: 'email', key: 'bob@x.test' };
    expect(await run('delete-row', del)).toEqual({ deleted: true });
    expect(await run('delete-row', del)).toEqual({ deleted: false });
    expect(await run('lookup-row', del)).toEqual({ found: false });
  });

  it('refuses bad tables, columns, JSON and keys with a pointer, and changes nothing', async () => {
    const before = await snapshot();
    const cases: [string, Record<string, unknown>, string][] = [
      ['insert-row', { table: 'nope_nope', values: {} }, '/table'],
      ['insert-row', { table: `${people}; drop table ${people}`, values: {} }, '/table'],
      [
        'insert-row',
        { table: people, values: { email: 'z@x.test', 'evil` = 1; --': 1 } },
        '/values',
      ],
      ['insert-row', { table: people, values: '{not json' }, '/values'],
      ['insert-row', { table: people, values: [1, 2] }, '/values'],
      [
        'update-row',
        { table: people, keyColumn: 'nope', key: '1', values: { name: 'x' } },
        '/keyColumn',
      ],
      ['update-row', { table: people, key: '1', values: {} }, '/values'],
      ['upsert-row', { table: people, keyColumn: 'name', key: 'x', values: {} }, '/keyColumn'],
      [
        'upsert-row',
        { table: people, keyColumn: 'email', key: 'a@x.test', values: { email: 'b@x.test' } },
        '/values',
      ],
      ['insert-row', { table: people, values: { email: 'ann@x.test' } }, ''],
      ['insert-row', { table: people, values: { name: 'no email' } }, ''],
    ];
    for (const [action, input, pointer] of cases) {
      const error = await run(action, input).catch((e: unknown) => e);
      expect(error, `${action} ${JSON.stringify(input)}`).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).problems[0]?.pointer).toBe(pointer);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('an unreachable server is a retryable error', async () => {
    const error = await runActionForTest(
      connector,
      'lookup-row',
      { table: people, key: '1' },
      contextFor({}, { port: 1 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
  });
});

describe.skipIf(!available)('insert-row with the idempotency ledger', () => {
  const table = tableName('jt_ledger');
  const prefix = tableName('evt'); // keys private to this run: the ledger table is shared
  beforeAll(async () => {
    await sql(
      `create table ${table} (id int auto_increment primary key, email varchar(100) not null unique)`,
    );
  });
  afterAll(async () => {
    await closePools();
    await sql(`drop table if exists ${table}`);
    await sql('delete from junction_idempotency_keys where idempotency_key like ?', [
      `${prefix}%`,
    ]).catch(() => {});
  });
  const insert = (key: string, email: string) =>
    runActionForTest(
      connector,
      'insert-row',
      { table, values: { email } },
      createTestContext({
        auth: connector.auth,
        credentials: { ...credentials, idempotencyLedger: true },
        idempotencyKey: `${prefix}:${key}`,
      }),
    );
  const count = async () => (await sql(`select count(*) as n from ${table}`))[0]?.n;

  it('inserts once per idempotency key, even when sent twice at the same moment', async () => {
    const first = parse(await insert('a', 'ledger-a@x.test'));
    expect(parse(await insert('a', 'ledger-a@x.test'))).toEqual(first);
    expect(await count()).toBe(1);
    const [b1, b2] = await Promise.all([
      insert('b', 'ledger-b@x.test'),
      insert('b', 'ledger-b@x.test'),
    ]);
    expect(parse(b1)).toEqual(parse(b2));
    expect(await count()).toBe(2);
    const keys = await sql(
      'select idempotency_key from junction_idempotency_keys where idempotency_key like ? order by 1',
      [`${prefix}%`],
    );
    expect(keys.map((k) => k.idempotency_key)).toEqual([`${prefix}:a`, `${prefix}:b`]);
  });

  it('keeps no key when the write fails', async () => {
    await expect(insert('c', 'ledger-a@x.test')).rejects.toThrow(); // unique email
    expect(
      await sql('select 1 from junction_idempotency_keys where idempotency_key = ?', [
        `${prefix}:c`,
      ]),
    ).toEqual([]);
  });
});
