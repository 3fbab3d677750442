import {
  buildManifest,
  InvalidInputError,
  RECORD_CAPABILITIES,
  validateConnector,
} from '@junction/connector-kit';
import { checkRecordType, listAllForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import connector from '../src/index.js';
import { closePools } from '../src/pool-registry.js';
import { tableRow } from '../src/table-row.js';
import { contextFor, mysqlAvailable, sql, tableName } from './support.js';

const available = await mysqlAvailable();
const contacts = tableName('jt_erp_contacts');
const accounts = tableName('jt_erp_accounts');
const settings = { table: contacts, keyColumn: 'id', modifiedAtColumn: 'updated_at' };

describe('mysql table_row record type declaration', () => {
  it('is declared with every capability', () => {
    expect(validateConnector(connector)).toEqual([]);
    expect(buildManifest(connector).recordTypes[0]).toMatchObject({
      name: 'table_row',
      capabilities: [...RECORD_CAPABILITIES],
    });
  });
});

describe.skipIf(!available)('mysql table_row record type', () => {
  beforeAll(async () => {
    await sql(
      `create table ${contacts} (
         id int auto_increment primary key,
         email varchar(200) not null,
         name varchar(200) null,
         updated_at timestamp(3) not null default current_timestamp(3)
       )`,
    );
    await sql(`create table ${accounts} (code varchar(20) primary key, title varchar(200))`);
  });
  afterAll(async () => {
    await sql(`drop table if exists ${contacts}`);
    await sql(`drop table if exists ${accounts}`);
    await closePools();
  });

  it('passes checkRecordType against its own declaration on a real table', async () => {
    const report = await checkRecordType(tableRow, contextFor(settings), {
      samples: [
        { values: { email: 'ann@example.com', name: 'Ann' } },
        { values: { email: 'bo@example.com', name: 'Bo' } },
        { values: { email: 'cy@example.com' } },
        { values: { email: 'dee@example.com', name: 'Dee' } },
        { values: { id: 500, email: 'eve@example.com', name: 'Eve' } },
      ],
      change: (r) => ({ key: r.key, values: { name: `${String(r.values.name)} (changed)` } }),
    });
    console.log(
      `mysql table_row: ${report.checked.join(', ')}; ${report.created} created, ${report.pages} pages, ${report.listed} listed`,
    );
    expect(report.problems).toEqual([]);
    expect(report.checked).toHaveLength(10);
    expect(await sql(`select count(*) as n from ${contacts}`)).toEqual([{ n: 0 }]);
  });

  it('pages a table by a text key without gaps or repeats, and writes batches', async () => {
    const ctx = contextFor({ table: accounts, keyColumn: 'code' });
    const codes = Array.from({ length: 25 }, (_, i) => `A${String(i).padStart(3, '0')}`);
    const created = await tableRow.createMany!(
      ctx,
      codes.map((code, i) => ({ values: { code, title: `Account ${i}` } })),
    );
    expect(created.map((r) => r.key)).toEqual(codes);
    const { records, pages } = await listAllForTest(tableRow, ctx, { pageSize: 10 });
    expect(pages).toBe(3);
    expect(records.map((r) => r.key)).toEqual(codes);
    const updated = await tableRow.updateMany!(ctx, [
      { key: 'A001', values: { title: 'One' } },
      { key: 'nope', values: { title: 'Nobody' } },
    ]);
    expect(updated).toEqual([{ key: 'A001', values: { code: 'A001', title: 'One' } }, undefined]);
    expect(await tableRow.deleteMany!(ctx, ['A002', 'A003', 'nope'])).toEqual(['A002', 'A003']);
  });

  it('finds rows by a column or the key, and refuses a field that is no column, before any statement', async () => {
    const ctx = contextFor(settings);
    const made = await tableRow.createMany!(ctx, [
      { values: { email: 'find-a@erp.test', name: 'A' } },
      { values: { email: 'find-b@erp.test', name: 'B' } },
    ]);
    const found = await tableRow.find!(ctx, {
      field: 'values.email',
      values: ['find-b@erp.test', 'nobody@erp.test'],
    });
    expect(found).toEqual([made[1]]);
    // Numbers as text: the key 7 is found by "7".
    expect(await tableRow.find!(ctx, { field: 'key', values: [made[0]!.key] })).toEqual([made[0]]);
    expect(await tableRow.find!(ctx, { field: 'values.email', values: [] })).toEqual([]);
    for (const field of ['email', 'values.email`; --', 'modifiedAt'])
      await expect(tableRow.find!(ctx, { field, values: ['x'] })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    expect(await sql(`select count(*) as n from ${contacts} where email like 'find-%'`)).toEqual([
      { n: 2 },
    ]);
    await tableRow.deleteMany!(
      ctx,
      made.map((r) => r.key),
    );
  });

  it('refuses a table or column that is not a plain identifier, before any statement', async () => {
    const ctx = contextFor({ table: `${contacts}; drop table x`, keyColumn: 'id' });
    await expect(tableRow.list!(ctx, { limit: 1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      tableRow.create!(contextFor(settings), { values: { 'email`; --': 'x' } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});
