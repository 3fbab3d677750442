import { type CompiledQuery, type Kysely, sql } from 'kysely';
import type { JunctionDatabase } from '../db/create-database.js';
import { queryPrepared } from '../db/query-prepared.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import { handOn, type RunRef } from './run-finisher.js';
import { keepsPlaceSql, runJobSpecSql } from './run-queue.js';
import { type PreparedStep, stepCtes } from './write-step.js';

/**
 * How an attempt ends: the run finished (succeeded or dead), it will be tried again, or its
 * `sending` step's outcome is unknown and it waits for an operator (`unknown`, sending kept).
 */
export type AttemptEnd =
  | {
      readonly state: 'succeeded' | 'dead';
      readonly outcome?: string | undefined;
      readonly error?: unknown;
    }
  | {
      readonly state: 'failed';
      readonly retryAt: Date;
      readonly error: unknown;
      /** Deferred by a rate limit: not counted against the retry policy's maxAttempts. */
      readonly deferred?: boolean;
    }
  | { readonly state: 'unknown'; readonly error: unknown }
  /** Parked: its last step (with its wait) says what it waits for; no job, no worker. */
  | { readonly state: 'waiting'; readonly outcome: string };

/** The run whose attempt ends, and that attempt: the lease its writes are checked against. */
export interface AttemptRef extends RunRef {
  readonly attempt: number;
}

interface Ending {
  readonly run: AttemptRef;
  readonly end: AttemptEnd;
  readonly step: PreparedStep | undefined;
  resolve(held: boolean): void;
  reject(error: unknown): void;
}

/**
 * Ends attempts. The attempts ending in the same turn of the event loop (a busy worker pool ends
 * several at once) share ONE statement: one round trip and one commit for all their last steps,
 * record links, audit entries, run states and retry jobs. When a run finished and its record has
 * runs pending behind it, the next one is queued under the record's lane lock (`handOn`); a
 * record with nothing pending, the common case, takes no lock (a pending run committed at the
 * same moment by another process is queued by the lane sweeper). If a shared statement fails,
 * each attempt is ended on its own, so that one bad attempt fails alone.
 *
 * Fencing: an ending is stored only if its attempt still holds the run (`running` at that
 * attempt, under the run's row lock). A stale attempt (its worker was declared dead and another
 * attempt took the run over, or the run was cancelled) stores nothing: the returned promise
 * resolves to false.
 */
export function createAttemptEnder(
  database: Pick<JunctionDatabase, 'db' | 'pool'>,
  logger: Logger,
) {
  let waiting: Ending[] = [];

  /** Ends `batch` in one statement, then hands records on; throws if the statement fails. */
  const endAll = async (batch: readonly Ending[]) => {
    const results = await endTogether(database, batch);
    await Promise.all(
      batch.map(async (e, i) => {
        try {
          const { held, pending } = results[i] ?? { held: false, pending: false };
          const finished = e.end.state === 'succeeded' || e.end.state === 'dead';
          if (held && pending && finished && e.run.sourceRecord !== null)
            await handOn(database.db, e.run.integrationId, e.run.sourceRecord);
          e.resolve(held);
        } catch (error) {
          e.reject(error);
        }
      }),
    );
  };

  const flush = async () => {
    const batch = waiting;
    waiting = [];
    try {
      await endAll(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      logger.warn(
        { err: error, attempts: batch.length },
        'ending attempts together failed; ending each alone',
      );
      await Promise.all(batch.map((e) => endAll([e]).catch(e.reject)));
    }
  };

  return (run: AttemptRef, end: AttemptEnd, step: PreparedStep | undefined): Promise<boolean> =>
    new Promise((resolve, reject) => {
      waiting.push({ run, end, step, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
    });
}

/** The statement of `endTogether` (exported for the plan test of hot statements). */
export function endAttemptsQuery(
  db: Kysely<Database>,
  batch: readonly Pick<Ending, 'run' | 'end' | 'step'>[],
): CompiledQuery<{ i: number; held: boolean; pending: boolean }> {
  const now = new Date().toISOString();
  const ends = batch.map(({ run, end }, i) => ({
    i,
    run_id: run.id,
    attempt: run.attempt,
    state: end.state,
    outcome:
      end.state === 'failed'
        ? null
        : end.state === 'unknown'
          ? 'unknown outcome'
          : (end.outcome ?? null),
    error: end.state === 'waiting' || end.error === undefined ? null : JSON.stringify(end.error),
    retry_at: end.state === 'failed' ? end.retryAt.toISOString() : null,
    deferred: end.state === 'failed' && end.deferred === true,
    finished_at:
      end.state === 'failed' || end.state === 'unknown' || end.state === 'waiting' ? null : now,
    integration_id: run.integrationId,
    source_record: run.sourceRecord,
  }));
  const steps = batch.flatMap((e) => (e.step ? [e.step] : []));
  // `r.id = any(...)` lets the primary key find the runs to update: joined on `ends` alone (a
  // function the planner guesses at 100 rows), a table of a few thousand runs is scanned whole.
  // For the same reason the pending check is a scalar subquery with a limit, looked up by index
  // for each ending: an `exists` there becomes a hashed subplan that reads every pending (or
  // every) run of the table in each statement.
  return sql<{ i: number; held: boolean; pending: boolean }>`
      with ends as (
        select * from jsonb_to_recordset(${JSON.stringify(ends)}::jsonb) as x(
          i int, run_id text, attempt int, state text, outcome text, error text,
          retry_at timestamptz, deferred boolean, finished_at timestamptz, integration_id text, source_record text)
      ), fence as (
        select r.id from runs r join ends x on x.run_id = r.id
        where r.id = any(${batch.map((e) => e.run.id)}::text[]) and r.attempts = x.attempt
          and coalesce(r.state, '') = 'running'
        for no key update of r
      ), ${sql.join(stepCtes(steps))}, updated as (
        update runs r set
          state = x.state,
          next_attempt_at = x.retry_at,
          finished_at = coalesce(x.finished_at, r.finished_at),
          outcome = case when x.state = 'failed' then r.outcome else x.outcome end,
          last_error = coalesce(x.error::jsonb, r.last_error),
          sending = case when x.state = 'unknown' then r.sending end,
          decision = null,
          deferrals = r.deferrals + case when x.deferred then 1 else 0 end,
          -- A dead run of an integration ordered 'hold' keeps its record's place.
          holds_lane = case when x.state = 'dead' then ${sql.raw(keepsPlaceSql('r'))} else false end
        from ends x where r.id = any(${batch.map((e) => e.run.id)}::text[]) and r.id = x.run_id
          and r.id in (select id from fence)
        returning r.id, r.attempts, r.state, r.next_attempt_at
      ), jobs as (
        -- add_jobs only for retries: on a long queue its generic plan scans the queue, even for
        -- no job at all. (A CASE runs its subquery only when that branch is taken.)
        select case when exists (select 1 from updated u where u.state = 'failed') then (
          select count(*) from graphile_worker.add_jobs(array(
            select ${sql.raw(runJobSpecSql('u.id', 'u.attempts', 'u.next_attempt_at'))}
            from updated u where u.state = 'failed'))
        ) else 0 end as n
      )
      select x.i, x.run_id in (select id from fence) as held, (select n from jobs) >= 0 and (
        select true from runs p
        where p.integration_id = x.integration_id and p.source_record = x.source_record
          and p.state = 'pending'
        limit 1) is not null as pending
      from ends x`.compile(db);
}

/**
 * One statement for many endings; for each, whether it was stored (its attempt held the run) and
 * whether its record has runs pending behind it.
 */
async function endTogether(
  { db, pool }: Pick<JunctionDatabase, 'db' | 'pool'>,
  batch: readonly Ending[],
): Promise<{ held: boolean; pending: boolean }[]> {
  const rows = await queryPrepared(pool, endAttemptsQuery(db, batch));
  const results = batch.map(() => ({ held: false, pending: false }));
  for (const row of rows) results[row.i] = { held: row.held, pending: row.pending };
  return results;
}
