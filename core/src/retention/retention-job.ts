import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import type { ExpiredCounts } from './expire-runs.js';
import { sweepRetention } from './sweep-retention.js';

/** The graphile-worker task of the retention sweep. */
export const RETENTION_TASK = 'retention.sweep';
/** Its job key: one retention job at a time, across every worker process. */
const RETENTION_JOB_KEY = 'junction:retention';

/**
 * Schedules the retention job in `delayMs`. `preserve_run_at` (at a worker's start) keeps a
 * schedule already there; `replace` (the job rescheduling itself) moves it.
 */
export async function scheduleRetention(
  db: Kysely<Database>,
  delayMs: number,
  mode: 'replace' | 'preserve_run_at',
): Promise<void> {
  await sql`select graphile_worker.add_job(${RETENTION_TASK}, '{}'::json,
    run_at := now() + make_interval(secs => ${delayMs / 1000}::double precision),
    max_attempts := 3, job_key := ${RETENTION_JOB_KEY}, job_key_mode := ${mode})`.execute(db);
}

/**
 * The retention task: one sweep (sweepRetention), then the next job, in `intervalMs`, or in a
 * second when expired runs were left over (a backlog is worked off in bounded sweeps).
 */
export function createRetentionTask(deps: {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly defaultDays: number;
  readonly intervalMs: number;
  readonly onDeleted?: (counts: ExpiredCounts) => void;
}) {
  return async (): Promise<void> => {
    const started = Date.now();
    const { deleted, more } = await sweepRetention(deps.db, {
      defaultDays: deps.defaultDays,
      pauseMs: 10,
      ...(deps.onDeleted ? { onDeleted: deps.onDeleted } : {}),
    });
    if (deleted.runs > 0)
      deps.logger.info({ ...deleted, ms: Date.now() - started, more }, 'expired runs deleted');
    await scheduleRetention(deps.db, more ? 1000 : deps.intervalMs, 'replace');
  };
}
