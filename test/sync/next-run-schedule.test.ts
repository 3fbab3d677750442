import { describe, expect, it } from 'vitest';
import { scheduleNextRun } from '../../core/src/sync/sync-schedule.js';
import { useJunctionDatabase } from '../support/junction-database.js';
import { lockWaiters } from '../support/lock-waiters.js';
import { until } from '../support/until.js';

const database = useJunctionDatabase(4);

async function insertSync(id: string, enabled: boolean): Promise<void> {
  await database().pool.query(
    `insert into syncs (id, name, enabled, current_version, created_by) values ($1, $1, $2, 1, 'test')`,
    [id, enabled],
  );
}

const jobs = async (id: string) =>
  (
    await database().pool.query('select run_at from graphile_worker.jobs where key = $1', [
      `sync:${id}`,
    ])
  ).rows;

describe('the next run of a sync, scheduled by a run of it', () => {
  it('is scheduled while the sync is enabled, and not once it is disabled or gone', async () => {
    await insertSync('syn_on', true);
    await insertSync('syn_off', false);
    await scheduleNextRun(database().db, 'syn_on', 60, 'replace');
    await scheduleNextRun(database().db, 'syn_off', 60, 'replace');
    await scheduleNextRun(database().db, 'syn_gone', 60, 'replace');
    expect(await jobs('syn_on')).toHaveLength(1);
    expect(await jobs('syn_off')).toEqual([]);
    expect(await jobs('syn_gone')).toEqual([]);
  });

  it('waits for a disable under way and then schedules nothing: a run ending mid-disable leaves no schedule', async () => {
    await insertSync('syn_racing', true);
    const disable = await database().pool.connect();
    try {
      await disable.query('begin');
      await disable.query(`update syncs set enabled = false where id = 'syn_racing'`);
      const next = scheduleNextRun(database().db, 'syn_racing', 0, 'replace');
      await until(async () => (await lockWaiters(database().pool, 'for share')) === 1, 10_000);
      await disable.query('commit');
      await next;
    } finally {
      disable.release();
    }
    expect(await jobs('syn_racing')).toEqual([]);
  });
});
