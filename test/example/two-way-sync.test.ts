import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/start-junction.js';
import { mariadbAvailable, tableName } from '../sync/sync-support.js';
import { useExampleJunction } from './example-junction.js';
import { runSyncExample } from './two-way-sync.js';

const available = await mariadbAvailable();
const example = useExampleJunction();

describe.skipIf(!available)('the two-way sync example', () => {
  it('keeps a PostgreSQL CRM table and a MariaDB ERP table in agreement: edits both ways, a parked conflict resolved, a delete carried over', async () => {
    const lines: string[] = [];
    const result = await runSyncExample({
      url: example.junction.url,
      token: ADMIN_TOKEN,
      erpDatabaseUrl: example.erp.url,
      tables: { crm: tableName('crm_contacts'), erp: tableName('erp_customers') },
      log: (l) => lines.push(l),
    });
    expect(result.crm.map(({ id: _, ...r }) => r)).toEqual([
      { email: 'ada@example.com', full_name: 'Ada King', phone: '+44 20 1111' },
      { email: 'grace@example.com', full_name: 'Rear Adm. Grace Hopper', phone: '+1 212 5555' },
    ]);
    expect(result.erp.map(({ id: _, ...r }) => r)).toEqual([
      { email: 'ada@example.com', name: 'Ada King', phone: '+44 20 1111' },
      { email: 'grace@example.com', name: 'Rear Adm. Grace Hopper', phone: '+1 212 5555' },
    ]);
    expect(lines.join('\n')).toContain('resolved: CRM {"full_name":"Rear Adm. Grace Hopper"');
    const pool = example.junction.junction.database.pool;
    const conflicts = await pool.query('select state from sync_conflicts where sync_id = $1', [
      result.syncId,
    ]);
    expect(conflicts.rows).toEqual([{ state: 'resolved' }]);
    // Alan's link ends with his records: removed, or kept as `deleted`; no other link is left.
    const links = await pool.query(
      `select state, count(*)::int as n from sync_links where sync_id = $1 and state <> 'deleted' group by state`,
      [result.syncId],
    );
    expect(links.rows).toEqual([{ state: 'active', n: 2 }]);
    const audit = await pool.query(
      `select action from audit_entries where action like 'sync.%' and subject_id = $1 order by id`,
      [result.syncId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'sync.create',
        'sync.enable',
        'sync.backfill.start',
        'sync.backfill.page',
        'sync.record.update',
        'sync.conflict.park',
        'sync.conflict.resolve',
        'sync.record.delete',
      ]),
    );
  }, 180_000);
});
