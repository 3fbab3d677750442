import type pg from 'pg';
import type { Logger } from '../log/create-logger.js';
import { RUN_TASK, runJobPayloadSql, runJobSpecSql } from './run-queue.js';

/**
 * How ingestion queues its runs' graphile-worker jobs: `direct` inserts the job rows itself (as
 * graphile-worker's `add_jobs` does for jobs without a key, a named queue or flags), `add-jobs`
 * calls `add_jobs`. See `chooseRunJobInsert`.
 */
export type RunJobInsert = 'direct' | 'add-jobs';

/**
 * The revision of graphile-worker's schema (the last row of `graphile_worker.migrations`) that
 * `direct` is written and tested against: graphile-worker 0.17's.
 */
export const DIRECT_RUN_JOBS_REVISION = 19;

/**
 * `direct` when graphile-worker's schema is the revision the direct insert was written for,
 * otherwise `add-jobs` (logged once: ingestion then works as before, only slower). The database
 * must be migrated. Each batch checks the revision again (`queueRunJobsSql`), but only a
 * statement that names no private table works on a schema that has dropped or renamed them:
 * hence this choice at start as well.
 *
 * Why not always `add_jobs`: it is a PL/pgSQL function of four statements (tasks, queues, job
 * keys, jobs), each planned per connection, whose job-key `update` scans the whole job queue once
 * its cached plan was made while the queue was small. Per batch of ingested events it cost about
 * 40% of PostgreSQL's CPU time: measured alone, 615 µs for one job and 950 µs for twenty with
 * 50,000 jobs queued, against 340 and 450 µs inserted directly with their NOTIFY. A webhook that
 * arrives during a backlog is exactly when ingestion must stay fast.
 */
export async function chooseRunJobInsert(pool: pg.Pool, logger: Logger): Promise<RunJobInsert> {
  const { rows } = await pool.query<{ revision: number | null }>(
    'select max(id)::int as revision from graphile_worker.migrations',
  );
  const revision = rows[0]?.revision ?? null;
  if (revision === DIRECT_RUN_JOBS_REVISION) return 'direct';
  logger.warn(
    { revision, expected: DIRECT_RUN_JOBS_REVISION },
    "graphile-worker's schema is not the revision Junction's job insert was written for; ingestion queues its jobs through graphile_worker.add_jobs instead (correct, but it costs PostgreSQL more per batch)",
  );
  return 'add-jobs';
}

/**
 * Common table expressions (for a `with` list, after others) that queue one run job per row of
 * `runIds` (a `select` of a text column `id`), with attempt 0, to run now; the last one is
 * `jobs(n)`, the number queued. The caller's statement must read `jobs` (for example
 * `where (select n from jobs) >= 0`) so that the NOTIFY is sent.
 *
 * `direct` does what `add_jobs` does for such jobs: the task's row made if missing (a new
 * database, or graphile-worker's cleanup deleted the unused task; of two batches making it at
 * once, the second waits for the first's row and takes it, where `do nothing` would leave it
 * without a task id), one job row each with graphile-worker's defaults, and one `jobs:insert`
 * NOTIFY for the batch (none when it queued nothing), whose count tells idle workers how many
 * jobs to fetch. Nothing of the job queue is scanned or locked. Each batch reads the schema's
 * revision again: should graphile-worker's schema move on while Junction runs (another process
 * of a newer version migrated it), the batch's jobs go through `add_jobs` instead.
 */
export function queueRunJobsSql(insert: RunJobInsert, runIds: string): string {
  const byFunction = `select count(*) as n from graphile_worker.add_jobs(array(
        select ${runJobSpecSql('q.id', '0')} from (${runIds}) q))`;
  if (insert === 'add-jobs') return `jobs as (${byFunction})`;
  return `run_schema as (
      select max(id) = ${DIRECT_RUN_JOBS_REVISION} as known from graphile_worker.migrations
    ), run_task as (
      insert into graphile_worker._private_tasks (identifier)
      select '${RUN_TASK}' where (select known from run_schema) and not exists (
        select 1 from graphile_worker._private_tasks where identifier = '${RUN_TASK}')
      on conflict (identifier) do update set identifier = excluded.identifier
      returning id
    ), run_jobs as (
      insert into graphile_worker._private_jobs (task_id, payload, run_at, max_attempts, priority)
      select coalesce((select id from run_task),
                      (select t.id from graphile_worker._private_tasks t where t.identifier = '${RUN_TASK}')),
             ${runJobPayloadSql('q.id', '0')}, now(), 25, 0
      from (${runIds}) q where (select known from run_schema)
      returning 1
    ), run_job_count as (
      select count(*) as n from run_jobs
    ), run_jobs_notified as (
      select c.n from run_job_count c,
        pg_notify('jobs:insert', '{"r":' || random()::text || ',"count":' || c.n || '}')
      where c.n > 0
    ), run_jobs_by_function as (
      ${byFunction} where not (select known from run_schema)
    ), jobs as (
      select c.n + (select f.n from run_jobs_by_function f) as n
      from run_job_count c where (select count(*) from run_jobs_notified) >= 0
    )`;
}
