import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { timestamptzInstant } from '../src/instant-types.js';
import { closePools } from '../src/pool-registry.js';
import { tableRow } from '../src/table-row.js';
import { contextFor, sql } from './support.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await sql(
    db.url,
    `create table kinds (
       id bigint primary key,
       label text,
       amount numeric(12, 2),
       flag boolean,
       doc jsonb,
       tags text[],
       raw bytea,
       born date,
       seen timestamptz(6),
       updated_at timestamptz(6) not null
     )`,
  );
});
afterAll(async () => {
  await closePools();
  await db.drop();
});

const settings = { table: 'kinds', keyColumn: 'id', modifiedAtColumn: 'updated_at' };

describe('postgres table_row record values', () => {
  it('reads each column kind as JSON: instants to the millisecond, bigints and numerics as text, bytes as base64', async () => {
    await sql(
      db.url,
      `insert into kinds values
         (9007199254740993, 'Ann', 12.50, true, '{"__proto__": {"polluted": 1}, "n": [1, {"a": null}]}',
          '{vip,"two words"}', '\\x00ff10', '2026-12-07', '2026-12-07 10:00:00.1239+00',
          '2026-12-07 23:59:59.999999+00'),
         (2, null, null, null, null, null, null, null, '0099-03-01 00:00:00+00', '2026-02-28 00:00:00+00')`,
    );
    const ctx = contextFor(db.url, settings);
    const { records } = await tableRow.list!(ctx, { limit: 10 });
    expect(records).toEqual([
      {
        key: '2',
        modifiedAt: '2026-02-28T00:00:00.000Z',
        values: {
          id: '2',
          label: null,
          amount: null,
          flag: null,
          doc: null,
          tags: null,
          raw: null,
          born: null,
          seen: '0099-03-01T00:00:00.000Z',
          updated_at: '2026-02-28T00:00:00.000Z',
        },
      },
      {
        key: '9007199254740993',
        modifiedAt: '2026-12-07T23:59:59.999Z',
        values: {
          id: '9007199254740993',
          label: 'Ann',
          amount: '12.50',
          flag: true,
          doc: JSON.parse('{"__proto__": {"polluted": 1}, "n": [1, {"a": null}]}'),
          tags: ['vip', 'two words'],
          raw: 'AP8Q',
          born: new Date(2026, 11, 7).toISOString(),
          seen: '2026-12-07T10:00:00.123Z',
          updated_at: '2026-12-07T23:59:59.999Z',
        },
      },
    ]);
    // A json member named __proto__ stays a member; no prototype is set from row data.
    const doc = records[1]?.values.doc as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['__proto__', 'n']);
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    // Writes answer the rows as reads do.
    const [created] = await tableRow.createMany!(ctx, [
      { values: { id: 3, updated_at: '2026-12-07T10:00:00.5+01:00', seen: null } },
    ]);
    expect(created).toMatchObject({ key: '3', modifiedAt: '2026-12-07T09:00:00.500Z' });
    expect(await tableRow.get!(ctx, '3')).toEqual(created);
  });

  it('writes a batch whose rows list their columns in different orders and sets, each value to its column', async () => {
    const ctx = contextFor(db.url, settings);
    const stamp = '2026-12-07T10:00:00.000Z';
    const created = await tableRow.createMany!(ctx, [
      { values: { id: 10, label: 'a', updated_at: stamp } },
      { values: { label: 'b', id: 11, updated_at: stamp } },
      { values: { id: 12, updated_at: stamp } },
      { values: { id: 13, label: 'd', updated_at: stamp } },
      { values: { updated_at: stamp, flag: false, id: 14 } },
    ]);
    expect(created.map((r) => [r.key, r.values.label, r.values.flag])).toEqual([
      ['10', 'a', null],
      ['11', 'b', null],
      ['12', null, null],
      ['13', 'd', null],
      ['14', null, false],
    ]);
    await expect(
      tableRow.createMany!(ctx, [
        { values: { id: 15, label: 'e' } },
        { values: { id: 16, 'label"; --': 'f' } },
      ]),
    ).rejects.toMatchObject({ problems: [{ pointer: '/1/values/label"; --' }] });
  });

  it('turns timestamptz text into the instant node-postgres would, over a thousand years and at the edges', async () => {
    const client = new pg.Client({ connectionString: db.url, options: '-c TimeZone=UTC' });
    await client.connect();
    try {
      const { rows } = await client.query<{ t: string }>(
        `select t::text as t from (
           select timestamptz '1000-01-01 00:00:00+00'
                  + g * interval '37 days 1 hour 7 minutes 13.123457 seconds' as t
             from generate_series(0, 10000) g
           union all select timestamptz '2024-02-29 23:59:59.999999+00' + g * interval '1 microsecond'
             from generate_series(0, 2) g
           union all select t::timestamptz from unnest(array['infinity', '-infinity',
             '0099-03-01 00:00:00+00', '9999-12-31 23:59:59.9+00', '10000-01-01 00:00:00+00',
             '0044-03-15 12:00:00+00 BC']) t
         ) x`,
      );
      const byDate = pg.types.getTypeParser(1184, 'text');
      const same = (value: unknown) =>
        value instanceof Date ? value.toISOString() : (value as number);
      let direct = 0;
      for (const { t } of rows) {
        const instant = timestamptzInstant(t);
        if (typeof instant === 'string') direct += 1;
        expect(same(instant), t).toEqual(same(byDate(t)));
      }
      // Every value of the usual years is read without a Date.
      expect(direct).toBe(rows.length - 5);
    } finally {
      await client.end();
    }
  });
});
