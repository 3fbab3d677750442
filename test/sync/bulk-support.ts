import { expect } from 'vitest';
import { syncBulkSources } from '../../core/src/sync/bulk-sources.js';
import type { BulkSync } from '../../core/src/sync/run-backfill.js';
import type { apiOf } from '../support/api.js';
import type { TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { maria } from './sync-support.js';

type Api = ReturnType<typeof apiOf>;

export { crmErpSync } from './crm-erp-sync.js';

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

/**
 * Fills the CRM table with `contacts` contacts (c1@example.com...) and the ERP table with
 * `customers` customers: the first `shared` are CRM contacts (every `every`th one, same email),
 * the others are only in the ERP.
 */
export async function seedCrmErp(
  pg: (text: string) => Promise<unknown>,
  tables: { crm: string; erp: string },
  counts: { contacts: number; customers: number; shared: number; every: number },
) {
  await pg(
    `insert into ${tables.crm} (email, full_name) select 'c' || g || '@example.com', 'Contact ' || g
     from generate_series(1, ${counts.contacts}) g`,
  );
  const values = Array.from({ length: counts.customers }, (_, i) =>
    i < counts.shared
      ? [`c${i * counts.every + 1}@example.com`, `Customer ${i}`]
      : [`erp${i}@example.com`, `Only ${i}`],
  );
  await maria(
    `insert into ${tables.erp} (email, name) values ${values.map(() => '(?, ?)').join(', ')}`,
    values.flat(),
  );
}

/** A sync as its backfill or reconciliation sees it (its current version and both sides). */
export async function bulkSyncOf(t: TestJunction, id: string): Promise<BulkSync> {
  const sources = syncBulkSources(t.junction.services.syncs, t.junction.services.records);
  const loaded = await sources.loadSync(id);
  if (loaded === undefined) throw new Error(`sync ${id} is not there`);
  return { id, definition: loaded.definition, sides: await sources.sidesOf(loaded) };
}
