import type { RunState } from '../db/tables/run-tables.js';

/** The graphile-worker task that executes one run. */
export const RUN_TASK = 'run.execute';

/** A run job's payload: which run, and which attempt it was queued for (stale jobs do nothing). */
export interface RunJobPayload {
  readonly runId: string;
  readonly attempt: number;
}

/** States of a run that is not finished: its record's later runs wait behind it. */
export const unfinishedStates: readonly RunState[] = [
  'pending',
  'queued',
  'running',
  'waiting',
  'failed',
  'unknown',
];

/**
 * `unfinishedStates` as a SQL list of constants, for `state in <list>`. A constant (not a bound
 * array) lets the planner use the lane index in a prepared statement's generic plan.
 */
export const unfinishedStatesSql = `(${unfinishedStates.map((s) => `'${s}'`).join(', ')})`;

/**
 * Whether the run `alias` holds its record's lane (later runs of the record wait behind it): it is
 * unfinished, or it is a dead run that keeps its place (`holds_lane`, ordering `hold`). Exactly
 * the predicate of the `runs_lane_held` partial index, so that the planner uses it.
 */
export function holdsLaneSql(alias: string): string {
  return `(${alias}.state in ${unfinishedStatesSql} or ${alias}.holds_lane)`;
}

/**
 * Whether the run `alias` holds its record's lane and is not `pending`: a lane with none of these
 * can hand itself to its oldest pending run.
 */
export function aheadInLaneSql(alias: string): string {
  const active = unfinishedStates.filter((s) => s !== 'pending').map((s) => `'${s}'`);
  return `(${alias}.state in (${active.join(', ')}) or ${alias}.holds_lane)`;
}

/**
 * The graphile-worker job of a run, as a `job_spec` SQL expression: `runId` and `attempt` are SQL
 * expressions, `runAt` one too (`now()` by default). Every place that queues a run uses it.
 */
export function runJobSpecSql(runId: string, attempt: string, runAt = 'now()'): string {
  return `row('${RUN_TASK}', ${runJobPayloadSql(runId, attempt)}, null, ${runAt}, 25, null, 0, null)::graphile_worker.job_spec`;
}

/** A run job's payload (`RunJobPayload`) as a SQL `json` expression of two SQL expressions. */
export function runJobPayloadSql(runId: string, attempt: string): string {
  return `json_build_object('runId', ${runId}, 'attempt', ${attempt})`;
}

/**
 * SQL that queues one job per run id ($1 text[]) at `$2` (null: now), with the run's current
 * attempt count in the payload. One statement, one NOTIFY.
 */
export const enqueueRunsSql = `
  select count(*) from graphile_worker.add_jobs(array(
    select ${runJobSpecSql('r.id', 'r.attempts', 'coalesce($2::timestamptz, now())')}
    from runs r where r.id = any($1::text[])
  ))`;

/**
 * Plans the rest of the caller's transaction for the tables as they are now. Run before queueing
 * jobs in a transaction: graphile-worker's `add_jobs` keeps, per connection, a generic plan made
 * while the job queue was small, which scans the whole queue once it has grown (see
 * refreshPlans). For the occasional transaction; ingestion, which queues nearly every job, keeps
 * its plans and makes them afresh once a second instead, since planning every batch costs about
 * as much as storing it.
 */
export const customPlansSql = 'set local plan_cache_mode = force_custom_plan';

/**
 * Whether the dead run `alias` keeps its record's place: it has a source record and the
 * integration version it ran is ordered `hold`. Read only for runs that die.
 */
export function keepsPlaceSql(alias: string): string {
  return `(${alias}.source_record is not null and exists (
    select 1 from integration_versions hv
    where hv.integration_id = ${alias}.integration_id and hv.version = ${alias}.integration_version
      and hv.definition->>'ordering' = 'hold'))`;
}
