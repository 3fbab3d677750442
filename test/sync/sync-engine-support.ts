import { RetryableError } from '@junction/connector-kit';
import { expect } from 'vitest';
import type { SyncCounters } from '../../core/src/metrics/sync-counters.js';
import type { RecordClient } from '../../core/src/sync/record-client.js';
import { createSyncTask } from '../../core/src/sync/sync-task.js';
import { apiOf } from '../support/api.js';
import { maria, tableName, type useSyncJunction } from './sync-support.js';

type SyncJunction = ReturnType<typeof useSyncJunction>;

/** Counters that tests read: totals by name (`write:b:update`, `echo:a`, `conflict:park`...). */
export function countingCounters() {
  const totals = new Map<string, number>();
  const add = (name: string) => totals.set(name, (totals.get(name) ?? 0) + 1);
  const counters: SyncCounters = {
    changeSeen: (_, side) => add(`change:${side}`),
    write: (_, side, op) => add(`write:${side}:${op}`),
    echoSuppressed: (_, side) => add(`echo:${side}`),
    conflict: (_, policy) => add(`conflict:${policy}`),
    deleteHandled: (_, policy) => add(`delete:${policy}`),
  };
  /** The sum of the totals whose name starts with `prefix`. */
  const sum = (prefix: string) =>
    [...totals].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  return { counters, totals, sum };
}

/**
 * Record calls whose creates on `connector` may answer 503: `when()`, asked at each create, says
 * whether this one fails `before` it inserts (nothing happened) or `after` (the record exists,
 * the answer was lost), or not at all.
 */
export function failingCreates(connector: string, when: () => 'before' | 'after' | undefined) {
  const unavailable = () => new RetryableError('503 Service Unavailable', { status: 503 });
  return (base: RecordClient): RecordClient => ({
    async side(ref) {
      const side = await base.side(ref);
      if (ref.connector !== connector) return side;
      return {
        ...side,
        async create(record) {
          const at = when();
          if (at === 'before') throw unavailable();
          const stored = await side.create(record);
          if (at === 'after') throw unavailable();
          return stored;
        },
      };
    },
  });
}

/**
 * A CRM table in PostgreSQL and an ERP table in MariaDB, and sync runs between them; `records`
 * wraps the record calls the runs make (faults injected at the record-call boundary).
 */
export function syncFixture(
  s: SyncJunction,
  options: { records?: (base: RecordClient) => RecordClient } = {},
) {
  const { counters, totals, sum } = countingCounters();
  // Made at the first run: the Junction starts after this fixture is declared.
  let task: ReturnType<typeof createSyncTask> | undefined;
  const run = (payload: { syncId: string }) => {
    task ??= createSyncTask({
      pool: s.t.junction.database.pool,
      db: s.t.junction.database.db,
      records: (options.records ?? ((base) => base))(s.t.junction.services.records),
      logger: s.t.junction.logger,
      counters,
      pageSize: 7,
    });
    return task(payload);
  };

  async function tables() {
    const crm = tableName('crm');
    const erp = tableName('erp');
    await s.pg(`create table ${crm} (id serial primary key, email text not null, full_name text,
      phone text, updated_at timestamptz not null default now())`);
    await maria(`create table ${erp} (id int auto_increment primary key, email varchar(200) not null,
      name varchar(200), phone varchar(50), archived tinyint not null default 0,
      updated_at timestamp(3) not null default current_timestamp(3) on update current_timestamp(3))`);
    return { crm, erp };
  }

  function definition(crm: string, erp: string, overrides: Record<string, unknown> = {}) {
    return {
      name: `sync ${crm}`,
      a: {
        connector: 'postgres',
        connection: s.pgConnection,
        recordType: 'table_row',
        settings: { table: crm, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      },
      b: {
        connector: 'mysql',
        connection: s.mysqlConnection,
        recordType: 'table_row',
        settings: { table: erp, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      },
      direction: 'both',
      mappings: {
        aToB: {
          values: {
            object: [
              ['email', { var: 'record.values.email' }],
              ['name', { var: 'record.values.full_name' }],
              ['phone', { var: 'record.values.phone' }],
            ],
          },
        },
        bToA: {
          values: {
            object: [
              ['email', { var: 'record.values.email' }],
              ['full_name', { var: 'record.values.name' }],
              ['phone', { var: 'record.values.phone' }],
            ],
          },
        },
      },
      match: { a: 'values.email', b: 'values.email' },
      conflict: { policy: 'park' },
      deletes: { policy: 'flag' },
      intervalSeconds: 86_400,
      deleteScanSeconds: 86_400,
      ...overrides,
    };
  }

  /**
   * Creates and enables a sync, without the backfill enabling starts (these tests run change
   * detection themselves, and no worker would run it); its id.
   */
  async function createSync(body: Record<string, unknown>): Promise<string> {
    const api = apiOf(s.t);
    const created = await api.post('/v1/syncs', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const enabled = await api.post(
      `/v1/syncs/${created.body.id}/enable`,
      { backfill: false },
      {
        'if-match': created.headers.get('etag') as string,
      },
    );
    expect(enabled.status).toBe(200);
    return created.body.id as string;
  }

  /** One run of the sync; the totals' change during it. */
  async function tick(syncId: string) {
    const before = new Map(totals);
    const outcome = await run({ syncId });
    expect(outcome.kind).toBe('synced');
    const delta = (prefix: string) =>
      [...totals]
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [k, v]) => n + v - (before.get(k) ?? 0), 0);
    return { writes: delta('write:'), echoes: delta('echo:'), changes: delta('change:'), delta };
  }

  /** The next delete scan of both sides is due at once. */
  async function scanDeletesNow(syncId: string) {
    await s.t.junction.database.pool.query(
      'update sync_cursors set scanned_at = null where sync_id = $1',
      [syncId],
    );
  }

  /** Both tables' rows as the sync compares them, by link: [crm, erp] pairs, and the rest. */
  async function pairs(syncId: string, crm: string, erp: string) {
    const links = (
      await s.t.junction.database.pool.query(
        `select a_key, b_key, state from sync_links where sync_id = $1 order by id`,
        [syncId],
      )
    ).rows as { a_key: string; b_key: string; state: string }[];
    const a = new Map(
      (await s.pg(`select id, email, full_name, phone from ${crm}`)).map((r) => [String(r.id), r]),
    );
    const b = new Map(
      (await maria(`select id, email, name, phone, archived from ${erp}`)).map((r) => [
        String(r.id),
        r,
      ]),
    );
    return { links, a, b };
  }

  return { tables, definition, createSync, tick, run, scanDeletesNow, pairs, totals, sum };
}
