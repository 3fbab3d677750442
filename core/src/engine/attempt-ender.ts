import { sql } from 'kysely';
import type { JunctionDatabase } from '../db/create-database.js';
import { queryPrepared } from '../db/query-prepared.js';
import type { Logger } from '../log/create-logger.js';
import { type AttemptEnd, endAttempt, handOn, type RunRef } from './run-finisher.js';
import { runJobSpecSql } from './run-queue.js';
import type { PreparedStep } from './write-step.js';

interface Ending {
  readonly run: RunRef;
  readonly end: AttemptEnd;
  readonly step: PreparedStep | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Ends attempts like `endAttempt`, but the attempts ending in the same turn of the event loop (a
 * busy worker pool ends several at once) share ONE statement: one round trip and one commit for
 * all their steps, record links, audit entries, run states and retry jobs. If that statement
 * fails, each attempt is ended on its own, so that one bad attempt fails alone.
 */
export function createAttemptEnder(
  database: Pick<JunctionDatabase, 'db' | 'pool'>,
  logger: Logger,
) {
  let waiting: Ending[] = [];

  const flush = async () => {
    const batch = waiting;
    waiting = [];
    if (batch.length === 1) {
      const [only] = batch as [Ending];
      await endAttempt(database, only.run, only.end, only.step).then(only.resolve, only.reject);
      return;
    }
    let pending: boolean[];
    try {
      pending = await endTogether(database, batch);
    } catch (error) {
      logger.warn(
        { err: error, attempts: batch.length },
        'ending attempts together failed; ending each alone',
      );
      await Promise.all(
        batch.map((e) => endAttempt(database, e.run, e.end, e.step).then(e.resolve, e.reject)),
      );
      return;
    }
    await Promise.all(
      batch.map(async (e, i) => {
        try {
          if (pending[i] && e.end.state !== 'failed' && e.run.sourceRecord !== null)
            await handOn(database.db, e.run.integrationId, e.run.sourceRecord);
          e.resolve();
        } catch (error) {
          e.reject(error);
        }
      }),
    );
  };

  return (run: RunRef, end: AttemptEnd, step: PreparedStep | undefined): Promise<void> =>
    new Promise((resolve, reject) => {
      waiting.push({ run, end, step, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
    });
}

/** One statement for many endings; for each, whether its record has runs pending behind it. */
async function endTogether(
  { db, pool }: Pick<JunctionDatabase, 'db' | 'pool'>,
  batch: readonly Ending[],
): Promise<boolean[]> {
  const now = new Date().toISOString();
  const ends = batch.map(({ run, end }, i) => ({
    i,
    run_id: run.id,
    state: end.state,
    outcome: end.state === 'failed' ? null : (end.outcome ?? null),
    error: end.error === undefined ? null : JSON.stringify(end.error),
    retry_at: end.state === 'failed' ? end.retryAt.toISOString() : null,
    finished_at: end.state === 'failed' ? null : now,
    integration_id: run.integrationId,
    source_record: run.sourceRecord,
  }));
  const steps = batch.flatMap((e) => (e.step ? [e.step] : []));
  const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  const rows = await queryPrepared(
    pool,
    sql<{ i: number; pending: boolean }>`
      with ends as (
        select * from jsonb_to_recordset(${JSON.stringify(ends)}::jsonb) as x(
          i int, run_id text, state text, outcome text, error text, retry_at timestamptz,
          finished_at timestamptz, integration_id text, source_record text)
      ), steps as (
        insert into run_steps (run_id, route_key, step_key, attempt, state, input, output, error,
                               started_at, finished_at, duration_ms)
        select run_id, route_key, step_key, attempt, state, input::jsonb, output::jsonb,
               error::jsonb, started_at, finished_at, duration_ms
        from jsonb_to_recordset(${JSON.stringify(steps.map((s) => s.row))}::jsonb) as s(
          run_id text, route_key text, step_key text, attempt int, state text, input text,
          output text, error text, started_at timestamptz, finished_at timestamptz,
          duration_ms float8)
        returning 1
      ), links as (
        insert into record_links (integration_id, step_key, source_system, source_id,
                                  target_system, target_id, content_hash, last_output, updated_at)
        select integration_id, step_key, source_system, source_id, target_system, target_id,
               decode(content_hash, 'hex'), last_output::jsonb, updated_at
        from jsonb_to_recordset(${JSON.stringify(
          steps.flatMap((s) =>
            s.link ? [{ ...s.link, content_hash: hex(s.link.content_hash) }] : [],
          ),
        )}::jsonb) as l(
          integration_id text, step_key text, source_system text, source_id text,
          target_system text, target_id text, content_hash text, last_output text,
          updated_at timestamptz)
        on conflict (integration_id, step_key, source_id) do update set
          target_system = excluded.target_system, target_id = excluded.target_id,
          content_hash = excluded.content_hash, last_output = excluded.last_output,
          updated_at = excluded.updated_at
        returning 1
      ), audits as (
        insert into audit_entries (at, actor, action, subject_type, subject_id, integration_id,
                                   run_id, request_id, data, body_hash, content_hash)
        select at, actor, action, subject_type, subject_id, integration_id, run_id, request_id,
               data::jsonb, decode(body_hash, 'hex'), decode(content_hash, 'hex')
        from jsonb_to_recordset(${JSON.stringify(
          steps.flatMap((s) =>
            s.audit
              ? [
                  {
                    ...s.audit,
                    body_hash: hex(s.audit.body_hash),
                    content_hash: hex(s.audit.content_hash),
                  },
                ]
              : [],
          ),
        )}::jsonb) as a(
          at timestamptz, actor text, action text, subject_type text, subject_id text,
          integration_id text, run_id text, request_id text, data text, body_hash text,
          content_hash text)
        returning 1
      ), updated as (
        update runs r set
          state = x.state,
          next_attempt_at = x.retry_at,
          finished_at = coalesce(x.finished_at, r.finished_at),
          outcome = case when x.state = 'failed' then r.outcome else x.outcome end,
          last_error = coalesce(x.error::jsonb, r.last_error)
        from ends x where r.id = x.run_id
        returning r.id, r.attempts, r.state, r.next_attempt_at
      ), jobs as (
        select count(*) as n from graphile_worker.add_jobs(array(
          select ${sql.raw(runJobSpecSql('u.id', 'u.attempts', 'u.next_attempt_at'))}
          from updated u where u.state = 'failed'))
      )
      select x.i, (select n from jobs) >= 0 and exists (
        select 1 from runs p
        where p.integration_id = x.integration_id and p.source_record = x.source_record
          and p.state = 'pending') as pending
      from ends x`.compile(db),
  );
  const pending = new Array<boolean>(batch.length).fill(false);
  for (const row of rows) pending[row.i] = row.pending;
  return pending;
}
