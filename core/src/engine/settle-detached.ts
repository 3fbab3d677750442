import { type ConnectorError, isWaitRequest, RetryableError } from '@junction/connector-kit';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { ExecuteResult } from '../executor/plugin-executor.js';
import type { Logger } from '../log/create-logger.js';
import { redactValues } from '../secrets/redactor-of.js';
import type { RetryPolicy } from './backoff.js';
import type { DetachedCalls } from './detached-calls.js';
import { type Failure, failureEnd } from './failure-end.js';
import { type ParkingStep, waitParking } from './park-rows.js';
import { lockWait, resumedWaits, settleWait } from './settle-wait.js';
import { prepareStep, type StepWrite } from './write-step.js';

/** A step whose call did not answer in time: its run parks while the call goes on. */
export interface DetachedStep {
  /** The step, its run and its wait (the wait's id is the parking's `waitId`). */
  readonly parking: ParkingStep;
  readonly input: Record<string, unknown>;
  /** What the step writes, for its record link and audit entry once it succeeds. */
  readonly write: StepWrite;
  /** The credentials' secrets, redacted from what is stored. */
  readonly secrets: () => readonly string[];
  /** The integration's retry policy with the step's own settings. */
  readonly policy: RetryPolicy;
  /** How a failure of the call fails the attempt (retried, or an unknown outcome). */
  readonly failureOf: (error: ConnectorError) => Failure;
  /** The call's result (a rejection is Junction's own failure, retried). */
  readonly calling: Promise<ExecuteResult>;
  /** Whether the attempt parked the run (its `waiting` outcome committed). */
  readonly parked: Promise<boolean>;
  readonly onAnswer?: (result: ExecuteResult) => void;
}

/**
 * Settles a detached step once its call answers, through the same path as a callback: at most
 * once (the wait must still be `waiting` and its run `waiting`, under their row locks), after the
 * park committed, with its audit entry, in one transaction. An output resumes the run (the step
 * succeeded, with its record link and `record.write` audit entry like any write); a
 * `ctx.wait(...)` turns the wait into a callback or poll wait; a failure fails the attempt under
 * the retry policy (retried after backoff, deferred by a rate limit, dead, or an unknown outcome
 * for a non-idempotent step). An answer that finds its wait settled already (by its deadline, an
 * operator's cancel) is dropped.
 */
export async function settleDetached(
  deps: { db: Kysely<Database>; logger: Logger; calls: Pick<DetachedCalls, 'abandoned'> },
  step: DetachedStep,
): Promise<void> {
  const result = await step.calling.catch(
    (error: unknown): ExecuteResult => ({
      ok: false,
      error: new RetryableError(`Junction could not finish the call: ${(error as Error).message}`),
    }),
  );
  step.onAnswer?.(result);
  if (!(await step.parked)) return;
  // Shutdown stopped waiting: the deadline settles the step (the database may be closed).
  if (deps.calls.abandoned) return;
  const { parking } = step;
  const { run, routeKey } = parking.context;
  const where = `${routeKey}/${parking.stepKey}`;
  const settled = await deps.db.transaction().execute(async (trx) => {
    const locked = await lockWait(trx, parking.waitId);
    if (!locked.ok || locked.wait.kind !== 'detached') return false;
    if (result.ok && isWaitRequest(result.output)) {
      await continueWaiting(trx, step, result.output);
      return true;
    }
    if (result.ok) {
      // Outputs come from the executor, which already redacted them.
      const prepared = prepareStep(parking.context, {
        state: 'succeeded',
        stepKey: parking.stepKey,
        input: step.input,
        output: result.output,
        record: step.write,
        secrets: step.secrets(),
      });
      await settleWait(
        trx,
        locked,
        { kind: 'output', output: result.output },
        {
          actor: 'system',
          action: 'wait.resume',
          data: { step: where, kind: 'detached', output: result.output },
        },
      );
      if (prepared.link)
        await trx
          .insertInto('record_links')
          .values(prepared.link)
          .onConflict((oc) =>
            oc.columns(['integration_id', 'step_key', 'source_id']).doUpdateSet((eb) => ({
              target_system: eb.ref('excluded.target_system'),
              target_id: eb.ref('excluded.target_id'),
              content_hash: eb.ref('excluded.content_hash'),
              last_output: eb.ref('excluded.last_output'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      if (prepared.audit) await trx.insertInto('audit_entries').values(prepared.audit).execute();
      return true;
    }
    const failure = step.failureOf(result.error);
    const end = await failureEnd(locked.run, step.policy, failure, () => resumedWaits(trx, run.id));
    const stepError = redactValues(result.error.toJSON(), step.secrets());
    await settleWait(
      trx,
      locked,
      { kind: 'failed', end, stepError },
      {
        actor: 'system',
        action: 'wait.fail',
        data: { step: where, kind: 'detached', end: end.state, error: stepError },
      },
    );
    return true;
  });
  if (!settled)
    deps.logger.info(
      { runId: run.id, step: where, waitId: parking.waitId },
      'a detached call answered after its wait was settled (deadline, cancel): its answer is dropped',
    );
}

/** The call answered `ctx.wait(...)`: the step now waits for a callback or a poll. */
async function continueWaiting(
  trx: Transaction<Database>,
  step: DetachedStep,
  request: Parameters<typeof waitParking>[1],
): Promise<void> {
  const { wait } = waitParking(step.parking, request);
  await trx
    .updateTable('run_waits')
    .set({
      kind: wait.kind,
      deadline: wait.deadline,
      on_timeout: wait.on_timeout,
      poll: wait.poll,
      next_poll_at: wait.next_poll_at,
    })
    .where('id', '=', wait.id)
    .execute();
  await trx
    .updateTable('runs')
    .set({ outcome: request.callback ? 'waiting for a callback' : 'waiting for a poll' })
    .where('id', '=', wait.run_id)
    .execute();
  await recordAudit(trx, {
    actor: 'system',
    action: 'wait.continue',
    subjectType: 'wait',
    subjectId: wait.id,
    integrationId: wait.integration_id,
    runId: wait.run_id,
    data: { step: `${wait.route_key}/${wait.step_key}`, kind: wait.kind, deadline: wait.deadline },
  });
}
