import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RunState } from '../db/tables/run-tables.js';
import { lockLane } from './lane-locks.js';
import {
  aheadInLaneSql,
  customPlansSql,
  holdsLaneSql,
  keepsPlaceSql,
  runJobSpecSql,
} from './run-queue.js';

export interface RunRef {
  readonly id: string;
  readonly integrationId: string;
  readonly sourceRecord: string | null;
}

/**
 * Ends a run (succeeded, dead, cancelled) and hands its record's lane to the next pending run,
 * under the lane's lock so that an event stored at the same moment is never left behind. A run
 * that dies in an integration ordered `hold` keeps its record's place instead; a cancelled one
 * gives it up.
 */
export async function finishRun(
  trx: Transaction<Database>,
  run: RunRef,
  state: Extract<RunState, 'succeeded' | 'dead' | 'cancelled'>,
  details: { outcome?: string; error?: unknown } = {},
): Promise<void> {
  if (run.sourceRecord !== null) await lockLane(trx, run.integrationId, run.sourceRecord);
  await trx
    .updateTable('runs')
    .set({
      state,
      finished_at: new Date(),
      next_attempt_at: null,
      outcome: details.outcome ?? null,
      ...(details.error === undefined ? {} : { last_error: JSON.stringify(details.error) }),
      holds_lane: state === 'dead' ? sql<boolean>`${sql.raw(keepsPlaceSql('runs'))}` : false,
    })
    .where('id', '=', run.id)
    .execute();
  if (run.sourceRecord !== null) await promoteNext(trx, run.integrationId, run.sourceRecord);
}

/** Queues the next pending run of a record, under the record's lane lock. */
export async function handOn(
  db: Kysely<Database>,
  integrationId: string,
  sourceRecord: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockLane(trx, integrationId, sourceRecord);
    await promoteNext(trx, integrationId, sourceRecord);
  });
}

/** Queues the oldest pending run of a record when none of its runs is unfinished. */
export async function promoteNext(
  trx: Transaction<Database>,
  integrationId: string,
  sourceRecord: string,
): Promise<void> {
  const next = await promoteNextQuery(integrationId, sourceRecord).execute(trx);
  const ids = next.rows.map((r) => r.id);
  if (ids.length > 0) await enqueue(trx, ids);
}

/** The statement of `promoteNext` (exported for the plan test of hot statements). */
export function promoteNextQuery(integrationId: string, sourceRecord: string) {
  return sql<{ id: string }>`
    update runs set state = 'queued'
    where id = (
      select id from runs
      where integration_id = ${integrationId} and source_record = ${sourceRecord} and state = 'pending'
      order by seq limit 1
    )
    and not exists (
      select 1 from runs a
      where a.integration_id = ${integrationId} and a.source_record = ${sourceRecord}
        and ${sql.raw(aheadInLaneSql('a'))}
    )
    returning id`;
}

/** Queues jobs for runs (in the caller's transaction). */
export async function enqueue(
  trx: Transaction<Database>,
  runIds: readonly string[],
  at?: Date,
): Promise<void> {
  await sql.raw(customPlansSql).execute(trx);
  await sql`select count(*) from graphile_worker.add_jobs(array(
    select ${sql.raw(runJobSpecSql('r.id', 'r.attempts', at ? `'${at.toISOString()}'::timestamptz` : 'now()'))}
    from runs r where r.id = any(${runIds as string[]}::text[])
  ))`.execute(trx);
}

/**
 * Before a queued run starts: if an earlier run of the same record is unfinished (two batches
 * stored the record at the same moment), the run goes back to `pending` behind it, under the
 * record's lane lock, and the earlier run hands the record on when it ends. (`coalesce(r.state,
 * '')`: the run is found by its primary key even when the statistics of `runs` are stale; see
 * claimRuns.)
 */
export async function waitsBehindEarlierRun(
  db: Kysely<Database>,
  payload: { runId: string; attempt: number },
): Promise<boolean> {
  if (payload.attempt > 0) return false; // a retry: it already held the record
  const check = await earlierRunQuery(payload.runId).execute(db);
  const lane = check.rows[0];
  if (!lane) return false;
  return db.transaction().execute(async (trx) => {
    await lockLane(trx, lane.integration_id, lane.source_record);
    const moved = await sql`
      update runs r set state = 'pending'
      where r.id = ${payload.runId} and coalesce(r.state, '') = 'queued'
        and exists (select 1 from runs e
                    where e.integration_id = r.integration_id and e.source_record = r.source_record
                      and e.seq < r.seq and ${sql.raw(holdsLaneSql('e'))})`.execute(trx);
    return Number(moved.numAffectedRows ?? 0) > 0;
  });
}

/**
 * The lane of a queued first run that has an earlier unfinished run of its record, if it has one
 * (the first statement of `waitsBehindEarlierRun`, exported for the plan test).
 */
export function earlierRunQuery(runId: string) {
  return sql<{ integration_id: string; source_record: string }>`
    select r.integration_id, r.source_record from runs r
    where r.id = ${runId} and coalesce(r.state, '') = 'queued' and r.source_record is not null
      and r.replay_of is null -- a replay was placed at the head of its lane by an operator
      and exists (select 1 from runs e
                  where e.integration_id = r.integration_id and e.source_record = r.source_record
                    and e.seq < r.seq and ${sql.raw(holdsLaneSql('e'))})`;
}

/**
 * Queues pending runs whose record has nothing unfinished ahead of them: the rare run stored at
 * the very moment the run ahead of it ended. Each lane is handled under its lock.
 */
export async function promoteStrandedRuns(
  db: Kysely<Database>,
  olderThanMs = 5000,
): Promise<number> {
  const lanes = await strandedLanesQuery(olderThanMs).execute(db);
  for (const lane of lanes.rows) await handOn(db, lane.integration_id, lane.source_record);
  return lanes.rows.length;
}

/** The lanes `promoteStrandedRuns` hands on (exported for the plan test of hot statements). */
export function strandedLanesQuery(olderThanMs: number) {
  return sql<{ integration_id: string; source_record: string }>`
    select distinct p.integration_id, p.source_record from runs p
    where p.state = 'pending' and p.created_at < now() - make_interval(secs => ${olderThanMs / 1000})
      and not exists (select 1 from runs r
                      where r.integration_id = p.integration_id and r.source_record = p.source_record
                        and ${sql.raw(aheadInLaneSql('r'))})
    limit 100`;
}
