import { InvalidInputError, runPoll } from '@junction/connector-kit';
import { runPollingTriggerForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { closePools } from '../src/pool-registry.js';
import { rowChanged } from '../src/triggers/row-changed.js';
import { contextFor, sql } from './support.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await sql(
    db.url,
    `create table contacts (id integer primary key, email text not null, updated_at timestamptz(6));
     create table "Odd ""Name""" ("Key" text primary key, "Changed At" timestamp(6) not null)`,
  );
});
afterAll(async () => {
  await closePools();
  await db.drop();
});

/** Polls until a poll returns nothing; returns every event and the final cursor. */
async function drain(settings: Record<string, unknown>, cursor: string | null) {
  const ctx = contextFor(db.url, settings);
  const events = [];
  let current = cursor;
  for (let i = 0; i < 50; i++) {
    const result = await runPoll(rowChanged, ctx, current);
    current = result.cursor;
    if (result.items.length === 0) break;
    events.push(...result.items);
  }
  return { events, cursor: current };
}

describe('row-changed polling trigger', () => {
  const settings = { table: 'contacts', safetyLagSeconds: 0, batchSize: 2 };

  it('delivers every row once when several share one updated-at, across small batches', async () => {
    await sql(
      db.url,
      `insert into contacts values
        (1, 'a@x.test', '2024-05-01T10:00:00.000001Z'), (5, 'e@x.test', '2024-05-01T10:00:00.5Z'),
        (2, 'b@x.test', '2024-05-01T10:00:00.5Z'), (4, 'd@x.test', '2024-05-01T10:00:00.5Z'),
        (3, 'c@x.test', '2024-05-01T10:00:01Z'), (6, 'f@x.test', null)`,
    );
    const first = await drain(settings, null);
    expect(first.events.map((e) => e.data.key)).toEqual(['1', '2', '4', '5', '3']);
    expect(new Set(first.events.map((e) => e.dedupeKey)).size).toBe(5);
    expect(first.events[0]?.dedupeKey).toBe('1@2024-05-01T10:00:00.000001+00:00');
    expect(first.events[1]?.data.row).toEqual({
      id: 2,
      email: 'b@x.test',
      updated_at: '2024-05-01T10:00:00.5+00:00',
    });

    const again = await drain(settings, first.cursor);
    expect(again.events).toEqual([]);

    await sql(
      db.url,
      `update contacts set email = 'b2@x.test', updated_at = '2024-05-02T00:00:00Z' where id = 2`,
    );
    await sql(db.url, `insert into contacts values (7, 'g@x.test', '2024-05-01T10:00:00.5Z')`);
    const changed = await drain(settings, first.cursor);
    // Row 7 arrives with an updated-at the cursor has already passed: with no safety lag it is
    // not seen (the next test shows the lag covering exactly this); the changed row 2 comes once.
    expect(changed.events.map((e) => `${e.data.key}:${e.data.updatedAt}`)).toEqual([
      '2:2024-05-02T00:00:00+00:00',
    ]);
    expect(changed.events[0]?.dedupeKey).not.toBe(first.events[1]?.dedupeKey);
  });

  it('holds back rows newer than the safety lag, so a late commit with an older updated-at is not skipped', async () => {
    await sql(db.url, 'truncate contacts');
    await sql(
      db.url,
      `insert into contacts values (10, 'old@x.test', now() - interval '2 hours'),
                                   (11, 'recent@x.test', now() - interval '10 minutes')`,
    );
    const lagged = { table: 'contacts', safetyLagSeconds: 3600 };
    const first = await drain(lagged, null);
    expect(first.events.map((e) => e.data.key)).toEqual(['10']);
    // A transaction that began earlier commits now, with an updated-at older than row 11's.
    await sql(
      db.url,
      `insert into contacts values (12, 'late@x.test', now() - interval '90 minutes')`,
    );
    const second = await drain(lagged, first.cursor);
    expect(second.events.map((e) => e.data.key)).toEqual(['12']);
    // Without the lag, row 11 comes next.
    const third = await drain({ table: 'contacts', safetyLagSeconds: 0 }, second.cursor);
    expect(third.events.map((e) => e.data.key)).toEqual(['11']);
  });

  it('quotes odd table and column names and works with text keys and timestamps without zone', async () => {
    await sql(
      db.url,
      `insert into "Odd ""Name""" values ('b', '2024-01-01T00:00:00'), ('a', '2024-01-01T00:00:00')`,
    );
    const ctx = contextFor(db.url, {
      table: 'Odd "Name"',
      keyColumn: 'Key',
      updatedAtColumn: 'Changed At',
      safetyLagSeconds: 0,
    });
    const { events } = await runPollingTriggerForTest(rowChanged, ctx, { polls: 2 });
    expect(events.map((e) => e.dedupeKey)).toEqual([
      'a@2024-01-01T00:00:00',
      'b@2024-01-01T00:00:00',
    ]);
  });

  it('refuses settings that name no table or column, or try to smuggle SQL, and changes nothing', async () => {
    const attempts: [Record<string, unknown>, string][] = [
      [{}, '/settings/table'],
      [{ table: 'contacts"; drop table contacts; --' }, '/settings/table'],
      [{ table: 'contacts', keyColum: 'id' }, '/settings/keyColum'],
      [{ table: 'missing' }, '/settings/table'],
      [{ table: 'contacts', keyColumn: 'id) or (1=1' }, '/settings/keyColumn'],
      [{ table: 'contacts', updatedAtColumn: 'nope' }, '/settings/updatedAtColumn'],
      [{ table: 'contacts', batchSize: 0 }, '/settings/batchSize'],
    ];
    for (const [settings, pointer] of attempts) {
      const error = await runPoll(rowChanged, contextFor(db.url, settings), null).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).problems[0]?.pointer).toBe(pointer);
    }
    const rows = await sql<{ n: number }>(db.url, 'select count(*)::int as n from contacts');
    expect(rows[0]?.n).toBe(3);
  });

  it('reads the table from the trigger settings, not from the connection settings', async () => {
    const ctx = contextFor(db.url, {}, { table: 'contacts', safetyLagSeconds: 0 });
    await expect(runPoll(rowChanged, ctx, null)).rejects.toMatchObject({
      kind: 'invalidInput',
      problems: [{ pointer: '/settings/table', message: 'is required' }],
    });
  });

  it('refuses a cursor it did not write, and starts over when the table changed', async () => {
    const ctx = contextFor(db.url, { table: 'contacts', safetyLagSeconds: 0 });
    await expect(runPoll(rowChanged, ctx, 'garbage')).rejects.toMatchObject({
      kind: 'invalidInput',
      problems: [{ pointer: '/cursor' }],
    });
    const foreign = JSON.stringify({ table: 'public.other', updatedAt: '2999-01-01', key: 'z' });
    const { items } = await runPoll(rowChanged, ctx, foreign);
    expect(items.map((e) => e.data.key)).toEqual(['10', '12', '11']);
  });
});
