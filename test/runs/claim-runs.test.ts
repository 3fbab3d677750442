import { describe, expect, it, vi } from 'vitest';
import { createRunClaimer } from '../../core/src/engine/claim-run.js';
import { insertRun, useJunctionDatabase } from '../support/junction-database.js';

const database = useJunctionDatabase();

const addRun = (id: string, sourceRecord: string | null, state: string, attempts = 0) =>
  insertRun(database(), { integrationId: 'int_claims', id, sourceRecord, state, attempts });

describe('claiming runs', () => {
  it('claims the runs asked for in one turn with one statement, each for one job only', async () => {
    await addRun('run_a1', 'a', 'queued');
    await addRun('run_a2', 'a', 'queued'); // the same record, later: waits behind run_a1
    await addRun('run_b', 'b', 'queued', 2); // its job is stale (queued for attempt 0)
    await addRun('run_c', null, 'queued');
    const claim = createRunClaimer(database());
    const query = vi.spyOn(database().pool, 'query');

    const [a1, a1Again, a2, b, c] = await Promise.all([
      claim({ runId: 'run_a1', attempt: 0 }),
      claim({ runId: 'run_a1', attempt: 0 }),
      claim({ runId: 'run_a2', attempt: 0 }),
      claim({ runId: 'run_b', attempt: 0 }),
      claim({ runId: 'run_c', attempt: 0 }),
    ]);
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();

    expect(a1?.run).toMatchObject({ id: 'run_a1', state: 'running', attempts: 1 });
    expect(a1?.data).toEqual({ id: 'run_a1' });
    expect(a1Again).toBeUndefined();
    expect(a2).toBeUndefined();
    expect(b).toBeUndefined();
    expect(c?.run).toMatchObject({ id: 'run_c', state: 'running', attempts: 1 });

    const { rows } = await database().pool.query<{ id: string; state: string; attempts: number }>(
      `select id, state, attempts from runs where integration_id = 'int_claims' order by id`,
    );
    expect(rows).toEqual([
      { id: 'run_a1', state: 'running', attempts: 1 },
      { id: 'run_a2', state: 'queued', attempts: 0 },
      { id: 'run_b', state: 'queued', attempts: 2 },
      { id: 'run_c', state: 'running', attempts: 1 },
    ]);
  });
});
