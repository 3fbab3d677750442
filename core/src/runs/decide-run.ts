import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { RunDecision, RunState } from '../db/tables/run-tables.js';
import { enqueue } from '../engine/run-finisher.js';
import type { Operator } from './replay-runs.js';
import { type RunView, toRunView } from './run-view.js';

/** What an operator decides about the step of an `unknown` run. */
export type Decision =
  | { readonly decision: 'done'; readonly output: unknown }
  | { readonly decision: 'send-again' };

export type DecideOutcome =
  | { readonly kind: 'decided'; readonly run: RunView }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'refused'; readonly state: RunState };

/**
 * Settles an `unknown` run's step: `done` (the operator checked the target: the step took effect,
 * with `output`) or `send-again`. The run is queued for a new attempt that applies the decision
 * at that step (records the output, or sends the step again) and goes on with the steps after it;
 * the decision and its audit entry (`run.decide`) are stored in one transaction. Only an
 * `unknown` run can be decided.
 */
export async function decideRun(
  db: Kysely<Database>,
  runId: string,
  decision: Decision,
  by: Operator,
): Promise<DecideOutcome> {
  return db.transaction().execute(async (trx): Promise<DecideOutcome> => {
    const run = await trx
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', runId)
      .forUpdate()
      .executeTakeFirst();
    if (!run) return { kind: 'not-found' };
    if (run.state !== 'unknown') return { kind: 'refused', state: run.state };
    const stored: RunDecision =
      decision.decision === 'done'
        ? { kind: 'done', output: decision.output ?? null, by: by.actor }
        : { kind: 'send-again', by: by.actor };
    await trx
      .updateTable('runs')
      .set({ state: 'queued', decision: JSON.stringify(stored), next_attempt_at: null })
      .where('id', '=', runId)
      .execute();
    await enqueue(trx, [runId]);
    await recordAudit(trx, {
      actor: by.actor,
      action: 'run.decide',
      subjectType: 'run',
      subjectId: run.id,
      integrationId: run.integration_id,
      runId: run.id,
      requestId: by.requestId,
      data: {
        eventId: run.event_id,
        step: run.sending,
        decision: decision.decision,
        ...(decision.decision === 'done'
          ? { output: stored.kind === 'done' ? stored.output : null }
          : {}),
        before: { state: 'unknown' },
        after: { state: 'queued' },
      },
    });
    const decided = await trx
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    return { kind: 'decided', run: toRunView(decided) };
  });
}
