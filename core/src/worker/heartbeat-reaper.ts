import type pg from 'pg';
import { enqueueRunsSql, RUN_TASK } from '../engine/run-queue.js';

/** What one reaping pass released. */
export interface Reaped {
  readonly pools: readonly string[];
  readonly jobs: number;
  readonly runs: number;
}

/**
 * Releases the jobs of worker pools whose heartbeat is older than `deadAfterMs` (database clock),
 * with graphile-worker's `force_unlock_workers`, and deletes their heartbeat rows, in one
 * transaction. Concurrent reapers skip each other's rows (`skip locked`).
 */
export async function reapDeadWorkers(pool: pg.Pool, deadAfterMs: number): Promise<Reaped> {
  return inTransaction(pool, async (client) => {
    const dead = await client.query<{ worker_pool_id: string }>(
      `select worker_pool_id from worker_heartbeats
       where seen_at < now() - make_interval(secs => $1::double precision / 1000)
       for update skip locked`,
      [deadAfterMs],
    );
    const pools = dead.rows.map((r) => r.worker_pool_id);
    if (pools.length === 0) return { pools, jobs: 0, runs: 0 };
    const released = await release(client, pools);
    await client.query('delete from worker_heartbeats where worker_pool_id = any($1::text[])', [
      pools,
    ]);
    return { pools, ...released };
  });
}

/**
 * Releases jobs locked for more than `deadAfterMs` by pools that have no heartbeat row: pools that
 * died before their first heartbeat. Run once when a worker starts.
 */
export async function releaseOrphanedJobs(pool: pg.Pool, deadAfterMs: number): Promise<Reaped> {
  return inTransaction(pool, async (client) => {
    const orphans = await client.query<{ locked_by: string }>(
      `select distinct j.locked_by from graphile_worker._private_jobs j
       where j.locked_by is not null
         and j.locked_at < now() - make_interval(secs => $1::double precision / 1000)
         and not exists (select 1 from worker_heartbeats h where h.worker_pool_id = j.locked_by)`,
      [deadAfterMs],
    );
    const pools = orphans.rows.map((r) => r.locked_by);
    if (pools.length === 0) return { pools, jobs: 0, runs: 0 };
    return { pools, ...(await release(client, pools)) };
  });
}

/**
 * Releases the jobs of pools this process knows are gone (a pool that failed and was replaced),
 * without waiting for their heartbeats to age.
 */
export async function releaseWorkerPools(
  pool: pg.Pool,
  pools: readonly string[],
): Promise<{ jobs: number; runs: number }> {
  return inTransaction(pool, (client) => release(client, pools));
}

/**
 * Unlocks the pools' jobs. A run the dead worker had started is left `running` at an attempt its
 * job no longer matches, so the run goes back to `queued` with a new job for its current attempt
 * (the old job then finds nothing to do); steps it finished are not run again.
 */
async function release(
  client: pg.PoolClient,
  pools: readonly string[],
): Promise<{ jobs: number; runs: number }> {
  const locked = await client.query<{ run_id: string | null }>(
    `select case when t.identifier = $2 then j.payload->>'runId' end as run_id
     from graphile_worker._private_jobs j
     join graphile_worker._private_tasks t on t.id = j.task_id
     where j.locked_by = any($1::text[])`,
    [pools, RUN_TASK],
  );
  await client.query('select graphile_worker.force_unlock_workers($1::text[])', [pools]);
  const runIds = locked.rows.flatMap((r) => (r.run_id === null ? [] : [r.run_id]));
  let runs = 0;
  if (runIds.length > 0) {
    const requeued = await client.query<{ id: string }>(
      `update runs set state = 'queued' where id = any($1::text[]) and state = 'running'
       returning id`,
      [runIds],
    );
    runs = requeued.rows.length;
    if (runs > 0) await client.query(enqueueRunsSql, [requeued.rows.map((r) => r.id), null]);
  }
  return { jobs: locked.rows.length, runs };
}

async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
