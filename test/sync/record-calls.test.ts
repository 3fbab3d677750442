import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ConnectorDefinition,
  ConnectorError,
  defineConnector,
  defineRecordType,
  field,
  RateLimitedError,
} from '@junction/connector-kit';
import postgres from '@junction/plugin-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorSource } from '../../core/src/connectors/connector-source.js';
import { createInProcessExecutor } from '../../core/src/executor/plugin-executor.js';
import { createRedactingExecutor } from '../../core/src/executor/redacting-executor.js';
import { createHostPool, type HostPool } from '../../core/src/plugin-hosts/host-pool.js';
import { createIsolatingExecutor } from '../../core/src/plugin-hosts/isolating-executor.js';
import { createRecordClient, type RecordSide } from '../../core/src/sync/record-client.js';
import { maria, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
const s = useSyncJunction();
const crmTable = tableName('rc_contacts');
const erpTable = tableName('rc_customers');

/** A record type that hangs on get and is rate limited on list: timeouts and typed errors. */
const slow = defineConnector({
  id: 'slow-records',
  name: 'Slow records',
  description: 'A record type that hangs and is rate limited.',
  version: '1.0.0',
  contract: '^1.12.0',
  auth: { kind: 'none' },
  recordTypes: [
    defineRecordType({
      name: 'thing',
      fields: { id: field.string() },
      key: 'id',
      get: () => new Promise<undefined>(() => {}),
      list: async () => {
        throw new RateLimitedError('slow down', { retryAt: new Date(Date.now() + 5_000) });
      },
      create: async (_ctx, record) => ({ id: `made-${String(record.id)}` }),
    }),
  ],
});

beforeAll(async () => {
  await s.pg(
    `create table ${crmTable} (id serial primary key, email text not null, note text,
       updated_at timestamptz not null default now())`,
  );
  if (!available) return;
  await maria(
    `create table ${erpTable} (id int auto_increment primary key, email varchar(200) not null,
       updated_at timestamp(3) not null default current_timestamp(3))`,
  );
});
afterAll(async () => {
  if (available) await maria(`drop table if exists ${erpTable}`);
});

/** Exercises every call of a side; the same assertions in process and in a host. */
async function exercise(side: RecordSide, secret: string | undefined) {
  const made = await side.createMany([
    { values: { email: 'ann@example.com' } },
    { values: { email: 'bo@example.com' } },
    { values: { email: 'cy@example.com', note: `password is ${secret ?? 'none'}` } },
  ]);
  expect(made.map((r) => (r.values as { email: string }).email)).toEqual([
    'ann@example.com',
    'bo@example.com',
    'cy@example.com',
  ]);
  if (secret !== undefined) {
    // What a target answers passes redaction: the connection's secret never comes back.
    expect(JSON.stringify(made[2])).not.toContain(secret);
    expect((made[2]!.values as { note: string }).note).toContain('[REDACTED]');
  }
  const first = await side.list({ limit: 2 });
  expect(first.records).toHaveLength(2);
  const rest = await side.list({ cursor: first.next as string, limit: 2 });
  expect(rest.records.map((r) => side.keyOf(r))).toEqual([side.keyOf(made[2]!)]);
  expect(rest.next).toBeUndefined();
  const key = side.keyOf(made[0]!);
  // count, contract 1.13: the table's rows, before the first page is read.
  expect(await side.count()).toBe(3);
  expect(await side.get(key)).toMatchObject({ key, values: { email: 'ann@example.com' } });
  // find, contract 1.14: by a column's values, 500 a call (here 601 values: two calls), redacted.
  const absent = Array.from({ length: 599 }, (_, i) => `nobody-${i}@example.com`);
  const found = await side.find('values.email', [...absent, 'bo@example.com', 'cy@example.com']);
  expect(found?.map((r) => side.keyOf(r)).sort()).toEqual(
    [side.keyOf(made[1]!), side.keyOf(made[2]!)].sort(),
  );
  if (secret !== undefined) expect(JSON.stringify(found)).not.toContain(secret);
  // A field the record type cannot search by: undefined (the caller reads pages instead).
  expect(await side.find('email', ['bo@example.com'])).toBeUndefined();
  const since = new Date(Date.now() - 60_000).toISOString();
  const changed = await side.listChanged({ since, limit: 2 });
  expect(changed.records).toHaveLength(2);
  const more = await side.listChanged({ since, after: changed.next as string, limit: 2 });
  expect(more.records).toHaveLength(1);
  const none = await side.listChanged({ since, after: more.next as string, limit: 2 });
  expect(none).toEqual({ records: [] });
  const updated = await side.updateMany([{ key, values: { email: 'ann@example.org' } }]);
  expect(updated[0]).toMatchObject({ values: { email: 'ann@example.org' } });
  expect(await side.update({ key: '999999', values: { email: 'x' } })).toBeUndefined();
  expect(await side.deleteMany([key, '999999'])).toEqual([key]);
  expect(await side.get(key)).toBeUndefined();
  expect(await side.delete(side.keyOf(made[1]!))).toBe(true);
}

describe('record calls through the executor', () => {
  it('list, listChanged, get and every write of a PostgreSQL table in process, redacted', async () => {
    const records = s.t.junction.services.records;
    const side = await records.side({
      connector: 'postgres',
      connection: s.pgConnection,
      recordType: 'table_row',
      settings: { table: crmTable, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    });
    expect(side.offers('listChanged')).toBe(true);
    // The connection string is the postgres connection's secret.
    await exercise(side, s.crm.url);
  });

  it.skipIf(!available)('the same against a MariaDB table', async () => {
    const side = await s.t.junction.services.records.side({
      connector: 'mysql',
      connection: s.mysqlConnection,
      recordType: 'table_row',
      settings: { table: erpTable, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    });
    await maria(`alter table ${erpTable} add column note text`);
    // The test server's root has no password: nothing to redact.
    await exercise(side, undefined);
  });

  it('refuses what a side cannot do, and fails a hung call as retryable and a 429 as rate limited', async () => {
    const source: ConnectorSource = {
      get: (id) => (id === 'slow-records' ? { id, version: '1.0.0', definition: slow } : undefined),
      versions: (id) => (id === 'slow-records' ? ['1.0.0'] : []),
    };
    const client = createRecordClient({
      connectors: source,
      connections: s.t.junction.services.connections,
      executor: createRedactingExecutor(createInProcessExecutor()),
      timeoutMs: 300,
    });
    const side = await client.side({ connector: 'slow-records', recordType: 'thing' });
    const hung = await side.get('1').catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(ConnectorError);
    expect(hung).toMatchObject({ kind: 'retryable' });
    expect(String((hung as Error).message)).toMatch(
      /get of record type "thing" did not finish within 300 ms/,
    );
    const limited = await side.list({ limit: 5 }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ kind: 'rateLimited' });
    // No count: undefined, without a call.
    expect(await side.count()).toBeUndefined();
    const refused = await side.delete('1').catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'invalidInput' });
    expect(String(refused)).toMatch(/cannot delete/);
    // No createMany: one create a record, in order.
    expect(await side.createMany([{ id: 'x' }, { id: 'y' }])).toEqual([
      { id: 'made-x' },
      { id: 'made-y' },
    ]);
    await expect(client.side({ connector: 'slow-records', recordType: 'nope' })).rejects.toThrow(
      /no record type "nope" \(it has: thing\)/,
    );
  });
});

describe('record calls in a plugin host', () => {
  let pool: HostPool;
  beforeAll(async () => {
    pool = createHostPool({
      size: 1,
      memoryMb: 256,
      graceMs: 1000,
      watchMs: 200,
      egress: () => ({}),
      onHostExit: () => {},
    });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('runs the postgres connector isolated with the same results', async () => {
    // The built package, as an installed plugin is.
    const entry = fileURLToPath(new URL('../../plugins/postgres/dist/index.js', import.meta.url));
    const dir = path.dirname(path.dirname(entry));
    const definition: ConnectorDefinition = await pool.load({
      label: 'postgres@host',
      dir,
      entry,
      memoryMb: 256,
    });
    expect(definition.recordTypes?.[0]?.name).toBe('table_row');
    const source: ConnectorSource = {
      get: (id) =>
        id === 'postgres'
          ? { id, version: postgres.version, definition, isolated: { dir, entry } }
          : undefined,
      versions: (id) => (id === 'postgres' ? [postgres.version] : []),
    };
    const inProcess = createInProcessExecutor();
    const client = createRecordClient({
      connectors: source,
      connections: s.t.junction.services.connections,
      executor: createRedactingExecutor(
        createIsolatingExecutor({ pool, memoryMb: 256, inProcess }),
      ),
    });
    const side = await client.side({
      connector: 'postgres',
      connection: s.pgConnection,
      recordType: 'table_row',
      settings: { table: crmTable, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    });
    await s.pg(`delete from ${crmTable}`);
    await exercise(side, s.crm.url);
  }, 60_000);
});
