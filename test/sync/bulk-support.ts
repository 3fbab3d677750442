import { expect } from 'vitest';
import type { apiOf } from '../support/api.js';
import { until } from '../support/until.js';
import { maria } from './sync-support.js';

type Api = ReturnType<typeof apiOf>;

/**
 * A sync between a PostgreSQL "CRM" table (id serial, email, full_name, updated_at) and a MariaDB
 * "ERP" table (id auto_increment, email, name, updated_at), records matched by email.
 */
export function crmErpSync(
  connections: { pg: string; mysql: string },
  tables: { crm: string; erp: string },
  extra: Record<string, unknown> = {},
) {
  return {
    name: `CRM ${tables.crm} <-> ERP ${tables.erp}`,
    a: {
      connector: 'postgres',
      connection: connections.pg,
      recordType: 'table_row',
      settings: { table: tables.crm, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    },
    b: {
      connector: 'mysql',
      connection: connections.mysql,
      recordType: 'table_row',
      settings: { table: tables.erp, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    },
    direction: 'both',
    mappings: {
      aToB: {
        values: {
          object: [
            ['email', { var: 'record.values.email' }],
            ['name', { var: 'record.values.full_name' }],
          ],
        },
      },
      bToA: {
        values: {
          object: [
            ['email', { var: 'record.values.email' }],
            ['full_name', { var: 'record.values.name' }],
          ],
        },
      },
    },
    match: { a: 'values.email', b: 'values.email' },
    conflict: { policy: 'a_wins' },
    deletes: { policy: 'delete' },
    ...extra,
  };
}

/** Creates a sync through the API; its id. */
export async function createSync(api: Api, definition: unknown): Promise<string> {
  const created = await api.post('/v1/syncs', definition);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** Waits (bounded) until a backfill or reconciliation has ended; its last view. */
export async function finished(api: Api, path: string, timeoutMs = 90_000) {
  return until(async () => {
    const res = await api.get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return ['succeeded', 'failed'].includes(res.body.state) ? res.body : undefined;
  }, timeoutMs);
}

/** The CRM contacts table (PostgreSQL, through `pg`) of the bulk tests. */
export const crmTableSql = (table: string) => `create table ${table} (id serial primary key,
  email text not null unique, full_name text not null,
  updated_at timestamptz(3) not null default now())`;

/** Creates the ERP customers table (MariaDB) of the bulk tests. */
export const createErpTable = (table: string) =>
  maria(`create table ${table} (id int auto_increment primary key,
    email varchar(200) not null, name varchar(200) not null,
    updated_at timestamp(3) not null default current_timestamp(3))`);
