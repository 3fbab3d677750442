import { describe, expect, it, vi } from 'vitest';
import { createRunClaimer } from '../../core/src/engine/claim-run.js';
import { insertRun, useJunctionDatabase } from '../support/junction-database.js';

const database = useJunctionDatabase();

const addRun = (
  id: string,
  sourceRecord: string | null,
  state: string,
  attempts = 0,
  jobId?: string,
) =>
  insertRun(database(), { integrationId: 'int_claims', id, sourceRecord, state, attempts, jobId });

const runsNow = async (prefix: string) =>
  (
    await database().pool.query<{ id: string; state: string; attempts: number; job_id: string }>(
      `select id, state, attempts, job_id from runs where id like $1 order by id`,
      [`${prefix}%`],
    )
  ).rows;

describe('claiming runs', () => {
  it('claims the runs asked for in one turn with one statement, each for one job only', async () => {
    await addRun('run_a1', 'a', 'queued');
    await addRun('run_a2', 'a', 'queued'); // the same record, later: waits behind run_a1
    await addRun('run_b', 'b', 'queued', 2); // its job is stale (queued for attempt 0)
    await addRun('run_c', null, 'queued');
    const claim = createRunClaimer(database());
    const query = vi.spyOn(database().pool, 'query');

    const [a1, a1Again, a2, b, c] = await Promise.all([
      claim({ runId: 'run_a1', attempt: 0, jobId: '101' }),
      claim({ runId: 'run_a1', attempt: 0, jobId: '102' }),
      claim({ runId: 'run_a2', attempt: 0, jobId: '103' }),
      claim({ runId: 'run_b', attempt: 0, jobId: '104' }),
      claim({ runId: 'run_c', attempt: 0, jobId: '105' }),
    ]);
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();

    // Two jobs asking for the same attempt of one run: exactly one of them gets it.
    const [a1Claimed, a1Refused] = a1 ? [a1, a1Again] : [a1Again, a1];
    expect(a1Refused).toBeUndefined();
    expect(a1Claimed?.run).toMatchObject({ id: 'run_a1', state: 'running', attempts: 1 });
    expect(a1Claimed?.data).toEqual({ id: 'run_a1' });
    expect(a2).toBeUndefined();
    expect(b).toBeUndefined();
    expect(c?.run).toMatchObject({ id: 'run_c', state: 'running', attempts: 1, job_id: '105' });

    expect(await runsNow('run_')).toEqual([
      { id: 'run_a1', state: 'running', attempts: 1, job_id: a1Claimed?.run.job_id },
      { id: 'run_a2', state: 'queued', attempts: 0, job_id: null },
      { id: 'run_b', state: 'queued', attempts: 2, job_id: null },
      { id: 'run_c', state: 'running', attempts: 1, job_id: '105' },
    ]);
  });

  it('gives a running run back to the job that claimed it, and to no other job', async () => {
    // The job 201 claimed attempt 1 (payload attempt 0), then failed without storing its outcome.
    await addRun('rerun_a', null, 'running', 1, '201');
    const claim = createRunClaimer(database());

    // Another job for the same attempt does not get it: the attempt is not over as far as it knows.
    expect(await claim({ runId: 'rerun_a', attempt: 0, jobId: '202' })).toBeUndefined();
    expect(await claim({ runId: 'rerun_a', attempt: 1, jobId: '203' })).toBeUndefined();

    // graphile-worker runs job 201 again: its earlier execution ended, so it takes the run back.
    const again = await claim({ runId: 'rerun_a', attempt: 0, jobId: '201' });
    expect(again?.run).toMatchObject({
      id: 'rerun_a',
      state: 'running',
      attempts: 2,
      job_id: '201',
    });
    // And again, if that attempt also ends without an outcome.
    const third = await claim({ runId: 'rerun_a', attempt: 0, jobId: '201' });
    expect(third?.run).toMatchObject({ attempts: 3 });
    expect(await runsNow('rerun_')).toEqual([
      { id: 'rerun_a', state: 'running', attempts: 3, job_id: '201' },
    ]);
  });

  it('does not give a finished or cancelled run back to the job that claimed it', async () => {
    await addRun('done_a', null, 'succeeded', 1, '301');
    await addRun('done_b', null, 'cancelled', 0, '302');
    await addRun('done_c', null, 'failed', 1, '303'); // its retry job is another job
    const claim = createRunClaimer(database());
    const answers = await Promise.all([
      claim({ runId: 'done_a', attempt: 0, jobId: '301' }),
      claim({ runId: 'done_b', attempt: 0, jobId: '302' }),
      claim({ runId: 'done_c', attempt: 0, jobId: '303' }),
    ]);
    expect(answers).toEqual([undefined, undefined, undefined]);
    expect((await runsNow('done_')).map((r) => [r.id, r.state, r.attempts])).toEqual([
      ['done_a', 'succeeded', 1],
      ['done_b', 'cancelled', 0],
      ['done_c', 'failed', 1],
    ]);
  });
});
