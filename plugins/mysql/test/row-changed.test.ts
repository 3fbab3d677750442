import { InvalidInputError, runPoll } from '@junction/connector-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePools } from '../src/pool-registry.js';
import { rowChanged } from '../src/triggers/row-changed.js';
import { contextFor, mysqlAvailable, sql, tableName } from './support.js';

const available = await mysqlAvailable();
const contacts = tableName('jt_contacts');

/** Polls until a poll returns nothing; returns every event and the final cursor. */
async function drain(settings: Record<string, unknown>, cursor: string | null) {
  const ctx = contextFor(settings);
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

describe.skipIf(!available)('mysql row-changed polling trigger', () => {
  beforeAll(async () => {
    await sql(
      `create table ${contacts} (id int primary key, email varchar(100) not null, updated_at datetime(6) null)`,
    );
  });
  afterAll(async () => {
    await closePools();
    await sql(`drop table if exists ${contacts}`);
  });
  const settings = { table: contacts, safetyLagSeconds: 0, batchSize: 2 };

  it('delivers every row once when several share one updated-at, across small batches', async () => {
    await sql(
      `insert into ${contacts} values
        (1, 'a@x.test', '2024-05-01 10:00:00.000001'), (5, 'e@x.test', '2024-05-01 10:00:00.5'),
        (2, 'b@x.test', '2024-05-01 10:00:00.5'), (4, 'd@x.test', '2024-05-01 10:00:00.5'),
        (3, 'c@x.test', '2024-05-01 10:00:01'), (6, 'f@x.test', null)`,
    );
    const first = await drain(settings, null);
    expect(first.events.map((e) => e.data.key)).toEqual(['1', '2', '4', '5', '3']);
    expect(new Set(first.events.map((e) => e.dedupeKey)).size).toBe(5);
    expect(first.events[1]?.dedupeKey).toBe('2@2024-05-01 10:00:00.500000');
    expect(first.events[1]?.data.row).toEqual({
      id: 2,
      email: 'b@x.test',
      updated_at: '2024-05-01 10:00:00.500000',
    });
    expect((await drain(settings, first.cursor)).events).toEqual([]);

    await sql(
      `update ${contacts} set email = 'b2@x.test', updated_at = '2024-05-02 00:00:00' where id = 2`,
    );
    const changed = await drain(settings, first.cursor);
    expect(changed.events.map((e) => e.dedupeKey)).toEqual(['2@2024-05-02 00:00:00']);
  });

  it('holds back rows newer than the safety lag, so a late commit with an older updated-at is not skipped', async () => {
    await sql(`delete from ${contacts}`);
    await sql(
      `insert into ${contacts} values (10, 'old@x.test', now(6) - interval 2 hour),
                                       (11, 'recent@x.test', now(6) - interval 10 minute)`,
    );
    const lagged = { table: contacts, safetyLagSeconds: 3600 };
    const first = await drain(lagged, null);
    expect(first.events.map((e) => e.data.key)).toEqual(['10']);
    await sql(`insert into ${contacts} values (12, 'late@x.test', now(6) - interval 90 minute)`);
    const second = await drain(lagged, first.cursor);
    expect(second.events.map((e) => e.data.key)).toEqual(['12']);
    const third = await drain({ table: contacts, safetyLagSeconds: 0 }, second.cursor);
    expect(third.events.map((e) => e.data.key)).toEqual(['11']);
  });

  it('refuses settings that name no table or column, or try to smuggle SQL, and changes nothing', async () => {
    const attempts: [Record<string, unknown>, string][] = [
      [{}, '/settings/table'],
      [{ table: `${contacts}; drop table ${contacts}; --` }, '/settings/table'],
      [{ table: `${contacts}\` where 1=1 --` }, '/settings/table'],
      [{ table: contacts, keyColumn: 'id) or (1=1' }, '/settings/keyColumn'],
      [{ table: contacts, updatedAtColumn: 'nope' }, '/settings/updatedAtColumn'],
      [{ table: contacts, safetyLagSeconds: -1 }, '/settings/safetyLagSeconds'],
      [{ table: contacts, keyColum: 'id' }, '/settings/keyColum'],
    ];
    for (const [settings, pointer] of attempts) {
      const error = await runPoll(rowChanged, contextFor(settings), null).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).problems[0]?.pointer).toBe(pointer);
    }
    const rows = await sql(`select count(*) as n from ${contacts}`);
    expect(Number(rows[0]?.n)).toBe(3);
  });

  it('reads the table from the trigger settings, not from the connection settings', async () => {
    const ctx = contextFor({}, {}, { table: contacts, safetyLagSeconds: 0 });
    await expect(runPoll(rowChanged, ctx, null)).rejects.toMatchObject({
      kind: 'invalidInput',
      problems: [{ pointer: '/settings/table', message: 'is required' }],
    });
  });
});
