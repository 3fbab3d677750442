import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';

/** The graphile-worker task that detects and applies one sync's changes. */
export const SYNC_TASK = 'sync.poll';

/** A sync job's payload. */
export interface SyncJobPayload {
  readonly syncId: string;
}

/** The one job key of a sync's schedule. */
export function syncJobKey(syncId: string): string {
  return `sync:${syncId}`;
}

/**
 * (Re)schedules a sync's job in `seconds`, inside the caller's transaction. `replace` moves an
 * existing schedule; `preserve_run_at` keeps it.
 */
export async function scheduleSync(
  db: Kysely<Database> | Transaction<Database>,
  syncId: string,
  seconds: number,
  mode: 'replace' | 'preserve_run_at',
): Promise<void> {
  await sql`select graphile_worker.add_job(${SYNC_TASK}, json_build_object('syncId', ${syncId}::text),
    run_at := now() + make_interval(secs => ${seconds}::double precision), max_attempts := 5,
    job_key := ${syncJobKey(syncId)}, job_key_mode := ${mode})`.execute(db);
}

/**
 * Schedules the next run of a sync from a run of it, only while the sync is enabled. A disable
 * or delete under way holds the sync's row: this waits for it and then schedules nothing, so a
 * run that ends while the sync is being disabled does not bring its schedule back.
 */
export async function scheduleNextRun(
  db: Kysely<Database>,
  syncId: string,
  seconds: number,
  mode: 'replace' | 'preserve_run_at',
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const sync = await trx
      .selectFrom('syncs')
      .select('enabled')
      .where('id', '=', syncId)
      .forShare()
      .executeTakeFirst();
    if (sync?.enabled) await scheduleSync(trx, syncId, seconds, mode);
  });
}

/** Removes a sync's schedule (disabled or deleted). */
export async function unscheduleSync(
  db: Kysely<Database> | Transaction<Database>,
  syncId: string,
): Promise<void> {
  await sql`select graphile_worker.remove_job(${syncJobKey(syncId)})`.execute(db);
}

/**
 * Run at every worker start: enabled syncs without a job get one (due now), and sync jobs of
 * syncs that are disabled or gone are removed.
 */
export async function reconcileSyncSchedules(
  db: Kysely<Database>,
  logger: Logger,
): Promise<{ scheduled: number; removed: number }> {
  return db.transaction().execute(async (trx) => {
    const added = await sql<{ key: string }>`
      select (graphile_worker.add_job(${SYNC_TASK}, json_build_object('syncId', s.id),
                max_attempts := 5, job_key := 'sync:' || s.id, job_key_mode := 'preserve_run_at')).key
      from syncs s
      where s.enabled and not exists (select 1 from graphile_worker.jobs j where j.key = 'sync:' || s.id)`.execute(
      trx,
    );
    const removed = await sql<{ key: string }>`
      select j.key, graphile_worker.remove_job(j.key) from graphile_worker.jobs j
      where j.task_identifier = ${SYNC_TASK} and j.key like 'sync:%'
        and not exists (select 1 from syncs s where s.enabled and j.key = 'sync:' || s.id)`.execute(
      trx,
    );
    const outcome = { scheduled: added.rows.length, removed: removed.rows.length };
    if (outcome.scheduled + outcome.removed > 0) logger.info(outcome, 'sync schedules reconciled');
    return outcome;
  });
}
