import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkSide } from '../../core/src/sync/bulk-side.js';
import type { BulkSync } from '../../core/src/sync/run-backfill.js';
import { runReconciliation } from '../../core/src/sync/run-reconciliation.js';
import { apiOf } from '../support/api.js';
import {
  bulkSyncOf,
  createErpTable,
  createSync,
  crmErpSync,
  crmTableSql,
  finished,
} from './bulk-support.js';
import { maria, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';

// The worker runs the backfill; the reconciliations run here, their record calls counted.
const available = await mariadbAvailable();
const s = useSyncJunction();
const crm = tableName('rr_crm');
const erp = tableName('rr_erp');
let syncId: string;

beforeAll(async () => {
  if (!available) return;
  await s.pg(crmTableSql(crm));
  await createErpTable(erp);
  await s.pg(
    `insert into ${crm} (email, full_name) select 'p' || g || '@example.com', 'Person ' || g
     from generate_series(1, 30) g`,
  );
  const api = apiOf(s.t);
  syncId = await createSync(
    api,
    crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }),
  );
  const backfill = await api.post(`/v1/syncs/${syncId}/backfill`);
  await finished(api, `/v1/syncs/${syncId}/backfills/${backfill.body.id}`);
  // Drift of three kinds behind Junction's back: edits on both sides, a create on each side.
  await maria(
    `update ${erp} set name = 'Hand Edited' where email in ('p3@example.com', 'p9@example.com')`,
  );
  await s.pg(`update ${crm} set full_name = 'Renamed' where email = 'p17@example.com'`);
  await s.pg(`insert into ${crm} (email, full_name) values ('new.crm@example.com', 'New')`);
  await maria(`insert into ${erp} (email, name) values ('new.erp@example.com', 'New')`);
});
afterAll(async () => {
  if (!available) return;
  await maria(`drop table if exists ${erp}`);
});

/** The sync with its sides' `get` and `find` calls counted; `canFind: false` takes `find` away. */
function counted(sync: BulkSync, canFind: boolean) {
  const calls = { get: 0, find: 0 };
  const wrap = (side: BulkSide): BulkSide => ({
    ...side,
    records: {
      ...side.records,
      get: (key) => {
        calls.get += 1;
        return side.records.get(key);
      },
      find: async (field, values) => {
        if (!canFind) return undefined;
        calls.find += 1;
        return side.records.find(field, values);
      },
    },
  });
  return { sync: { ...sync, sides: { a: wrap(sync.sides.a), b: wrap(sync.sides.b) } }, calls };
}

async function reconcile(sync: BulkSync, label: string) {
  const id = `src_${label}_${syncId}`;
  await s.t.junction.database.pool.query(
    `insert into sync_reconciliations (id, sync_id, sync_version, trigger, requested_by)
     values ($1, $2, 1, 'api', 'test')`,
    [id, syncId],
  );
  const done = await runReconciliation(
    { db: s.t.junction.database.db, logger: createLogger('silent'), pageSize: 10 },
    sync,
    id,
  );
  return done?.counts;
}

describe.skipIf(!available)("a reconciliation's re-check of its findings", () => {
  it('reads the records a page of findings names in one find a side, and reports the same drift as with a get each', async () => {
    const base = await bulkSyncOf(s.t, syncId);
    const withFind = counted(base, true);
    const counts = await reconcile(withFind.sync, 'find');
    expect(counts).toEqual({ only_a: 1, only_b: 1, differs: 3 });
    // Findings of up to 10 records a page: at most one find a side a page, no get at all.
    expect(withFind.calls.get).toBe(0);
    expect(withFind.calls.find).toBeGreaterThan(0);
    expect(withFind.calls.find).toBeLessThanOrEqual(2 * 4);

    const withoutFind = counted(base, false);
    expect(await reconcile(withoutFind.sync, 'get')).toEqual(counts);
    // One get a record named: the two records of each differing pair, the one of each create.
    expect(withoutFind.calls.get).toBe(3 * 2 + 2);
    expect(withoutFind.calls.find).toBe(0);
  });
});
