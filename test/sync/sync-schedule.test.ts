import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { syncFixture } from './sync-engine-support.js';
import { maria, mariadbAvailable, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
const s = useSyncJunction();
const f = syncFixture(s);

describe.skipIf(!available)('a sync on its schedule', () => {
  it('runs in the worker every intervalSeconds: a CRM row reaches the ERP and an ERP edit comes back, counted in /metrics', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('sched@crm.test', 'Sched')`);
    const id = await f.createSync(f.definition(crm, erp, { intervalSeconds: 1 }));
    await until(async () => (await maria(`select name from ${erp}`))[0]?.name === 'Sched', 30_000);
    await maria(`update ${erp} set name = 'Sched from ERP'`);
    await until(
      async () => (await s.pg(`select full_name from ${crm}`))[0]?.full_name === 'Sched from ERP',
      30_000,
    );
    const metrics = await (await fetch(`${s.t.url}/metrics`)).text();
    const line = (name: string) =>
      metrics.split('\n').find((l) => l.startsWith(name) && l.includes(`sync="${id}"`));
    expect(line('junction_sync_writes_total')).toMatch(/op="create"[^\n]* 1$/);
    expect(line('junction_sync_changes_total')).toBeDefined();
    expect(metrics).toContain('junction_sync_echoes_suppressed_total');
    // One job per sync, rescheduled by each run.
    const job = await s.t.junction.database.pool.query(
      'select task_identifier from graphile_worker.jobs where key = $1',
      [`sync:${id}`],
    );
    expect(job.rows).toEqual([{ task_identifier: 'sync.poll' }]);
  }, 90_000);
});
