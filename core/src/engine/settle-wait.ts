import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { type AuditEntryInput, recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { RunWaitsTable, WaitState } from '../db/tables/review-tables.js';
import type { RunStepsTable, RunsTable } from '../db/tables/run-tables.js';
import type { FailedEnd } from './failure-end.js';
import { enqueue, finishRun } from './run-finisher.js';

export type WaitRow = Selectable<RunWaitsTable>;

/** Why a wait could not be settled (nothing was changed). */
export type SettleRefusal =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'settled'; readonly state: WaitState; readonly settledAt: Date | null }
  | { readonly kind: 'run-not-waiting'; readonly state: string };

/** How a parked step is settled: what its step and its run become. */
export type Settlement =
  /** The step succeeded with `output` (a callback, a poll, a timeout's `continueWith`): run on. */
  | { readonly kind: 'output'; readonly output: unknown }
  /** A reviewer approved `input`: the run goes on and the action writes it. */
  | { readonly kind: 'approve'; readonly input: Record<string, unknown>; readonly edited: boolean }
  /** A reviewer rejected the write: the run stops (cancelled), nothing is written. */
  | { readonly kind: 'reject'; readonly reason: string }
  /** The deadline passed: the step failed; the run is dead, or retried while attempts remain. */
  | { readonly kind: 'timeout'; readonly retry: boolean }
  /**
   * The step's call failed (a detached call), or gave no answer by the deadline (`timedOut`): the
   * attempt ends as `end` says (see failureEnd), the step failed with `stepError`.
   */
  | {
      readonly kind: 'failed';
      readonly end: FailedEnd;
      readonly stepError: unknown;
      readonly timedOut?: boolean;
    };

/**
 * Locks a wait and its run for settling, in the caller's transaction: the wait must still be
 * `waiting` and its run `waiting` (a wait is settled at most once).
 */
export async function lockWait(
  trx: Transaction<Database>,
  waitId: string,
): Promise<
  | { readonly ok: true; readonly wait: WaitRow; readonly run: Selectable<RunsTable> }
  | ({ readonly ok: false } & SettleRefusal)
> {
  const wait = await trx
    .selectFrom('run_waits')
    .selectAll()
    .where('id', '=', waitId)
    .forUpdate()
    .executeTakeFirst();
  if (!wait) return { ok: false, kind: 'not-found' };
  if (wait.state !== 'waiting')
    return { ok: false, kind: 'settled', state: wait.state, settledAt: wait.settled_at };
  const run = await trx
    .selectFrom('runs')
    .selectAll()
    .where('id', '=', wait.run_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (run.state !== 'waiting') return { ok: false, kind: 'run-not-waiting', state: run.state };
  return { ok: true, wait, run };
}

/**
 * Settles a locked wait (see `lockWait`) in the caller's transaction, with its audit entry: the
 * wait leaves `waiting`, the step's outcome is recorded, and the run is queued again (a new claim
 * continues after the step), finished (rejected, timed out) or failed for a retry.
 */
export async function settleWait(
  trx: Transaction<Database>,
  locked: { readonly wait: WaitRow; readonly run: Selectable<RunsTable> },
  settlement: Settlement,
  audit: Omit<AuditEntryInput, 'subjectType' | 'subjectId' | 'integrationId' | 'runId'>,
): Promise<void> {
  const { wait, run } = locked;
  const now = new Date();
  const waitState: WaitState =
    settlement.kind === 'timeout'
      ? 'timed-out'
      : settlement.kind === 'reject'
        ? 'cancelled'
        : settlement.kind === 'failed'
          ? settlement.timedOut
            ? 'timed-out'
            : 'failed'
          : 'resumed';
  const result =
    settlement.kind === 'output'
      ? settlement.output
      : settlement.kind === 'approve'
        ? { decision: 'approved', input: settlement.input, edited: settlement.edited }
        : settlement.kind === 'reject'
          ? { decision: 'rejected', reason: settlement.reason }
          : settlement.kind === 'failed'
            ? { failed: settlement.end.state, ...(settlement.timedOut ? { timedOut: true } : {}) }
            : { timedOut: true };
  await trx
    .updateTable('run_waits')
    .set({ state: waitState, result: JSON.stringify(result), settled_at: now })
    .where('id', '=', wait.id)
    .execute();
  const step = (state: RunStepsTable['state'], fields: object = {}) =>
    trx
      .insertInto('run_steps')
      .values({
        run_id: run.id,
        route_key: wait.route_key,
        step_key: wait.step_key,
        attempt: run.attempts,
        state,
        started_at: wait.created_at,
        finished_at: now,
        duration_ms: now.getTime() - new Date(wait.created_at).getTime(),
        ...fields,
      })
      .execute();
  const ref = { id: run.id, integrationId: run.integration_id, sourceRecord: run.source_record };
  if (settlement.kind === 'output') await step('succeeded', { output: JSON.stringify(result) });
  if (settlement.kind === 'reject') {
    await step('rejected', {
      error: JSON.stringify({ kind: 'rejected', reason: settlement.reason }),
    });
    await finishRun(trx, ref, 'cancelled', { outcome: `rejected in review: ${settlement.reason}` });
  } else if (settlement.kind === 'failed') {
    await step('failed', { error: JSON.stringify(settlement.stepError) });
    await endFailed(trx, ref, `${wait.route_key}/${wait.step_key}`, settlement.end);
  } else if (settlement.kind === 'timeout') {
    const error = {
      kind: 'timeout',
      name: 'WaitTimedOut',
      message: `The step "${wait.step_key}" waited past its deadline (${new Date(wait.deadline ?? now).toISOString()}).`,
    };
    await step('failed', { error: JSON.stringify(error) });
    if (settlement.retry) {
      await trx
        .updateTable('runs')
        .set({
          state: 'failed',
          next_attempt_at: now,
          last_error: JSON.stringify(error),
          outcome: null,
        })
        .where('id', '=', run.id)
        .execute();
      await enqueue(trx, [run.id]);
    } else {
      await finishRun(trx, ref, 'dead', { outcome: 'wait timed out', error });
    }
  } else {
    await trx
      .updateTable('runs')
      .set({ state: 'queued', outcome: null })
      .where('id', '=', run.id)
      .execute();
    await enqueue(trx, [run.id]);
  }
  await recordAudit(trx, {
    ...audit,
    subjectType: wait.kind === 'review' ? 'review' : 'wait',
    subjectId: wait.id,
    integrationId: run.integration_id,
    runId: run.id,
  });
}

/** Ends a parked run's attempt as failed (retried at `retryAt`), dead, or unknown. */
async function endFailed(
  trx: Transaction<Database>,
  ref: {
    readonly id: string;
    readonly integrationId: string;
    readonly sourceRecord: string | null;
  },
  stepId: string,
  end: FailedEnd,
): Promise<void> {
  const error = JSON.stringify(end.error);
  if (end.state === 'dead') {
    await finishRun(trx, ref, 'dead', { outcome: end.outcome, error: end.error });
    return;
  }
  if (end.state === 'unknown') {
    // As an attempt that ended with its non-idempotent step sent: an operator decides.
    await trx
      .updateTable('runs')
      .set({
        state: 'unknown',
        sending: stepId,
        decision: null,
        outcome: 'unknown outcome',
        last_error: error,
        next_attempt_at: null,
      })
      .where('id', '=', ref.id)
      .execute();
    return;
  }
  await trx
    .updateTable('runs')
    .set({
      state: 'failed',
      next_attempt_at: end.retryAt,
      last_error: error,
      outcome: null,
      ...(end.deferred ? { deferrals: sql<number>`deferrals + 1` } : {}),
    })
    .where('id', '=', ref.id)
    .execute();
  await enqueue(trx, [ref.id], end.retryAt);
}

/**
 * How many times a run was resumed from a wait: those claims are not attempts of the retry budget.
 */
export async function resumedWaits(db: Kysely<Database>, runId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from run_waits where run_id = ${runId} and state = 'resumed'`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Whether a timed-out step may be tried again: attempts that ended parked and were resumed do not
 * count against the run's `max_attempts`.
 */
export async function canRetry(
  trx: Transaction<Database>,
  run: Selectable<RunsTable>,
): Promise<boolean> {
  return run.attempts - (await resumedWaits(trx, run.id)) < run.max_attempts;
}
