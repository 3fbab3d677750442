import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { RunState } from '../db/tables/run-tables.js';
import { lockLanes } from '../engine/lane-locks.js';
import { finishRun } from '../engine/run-finisher.js';
import type { Operator } from './replay-runs.js';
import { type RunView, toRunView } from './run-view.js';

export type CancelOutcome =
  | { readonly kind: 'cancelled'; readonly run: RunView }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'refused'; readonly state: RunState };

/**
 * Closes a waiting run's wait and open review item (exported for the plan test of hot statements).
 */
export function closeParkingQueries(db: Kysely<Database>, runId: string) {
  return [
    db
      .updateTable('run_waits')
      .set({ state: 'cancelled', settled_at: new Date() })
      .where('run_id', '=', runId)
      .where('state', '=', 'waiting'),
    db
      .updateTable('review_items')
      .set({ state: 'cancelled' })
      .where('run_id', '=', runId)
      .where('state', '=', 'open'),
  ] as const;
}

/**
 * Cancels a run that has not started (`queued` or `pending`), a parked one (`waiting`: its
 * wait, and its review item if any, are closed, so its callback URL answers 409), or a dead run
 * that keeps its record's place (ordering `hold`: the record's later runs then go on without
 * it). `finishRun` hands the record's lane
 * to its next pending run; a queued run's job then finds nothing to claim. With the lane lock and
 * the row lock held, a worker claiming the run at the same moment either sees it cancelled or
 * has already made it `running` (then the answer is refused).
 */
export async function cancelRun(
  db: Kysely<Database>,
  runId: string,
  by: Operator,
): Promise<CancelOutcome> {
  return db.transaction().execute(async (trx): Promise<CancelOutcome> => {
    const found = await trx
      .selectFrom('runs')
      .select(['integration_id', 'source_record'])
      .where('id', '=', runId)
      .executeTakeFirst();
    if (!found) return { kind: 'not-found' };
    await lockLanes(trx, [found]);
    const run = await trx
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', runId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const releases = run.state === 'dead' && run.holds_lane;
    if (run.state !== 'queued' && run.state !== 'pending' && run.state !== 'waiting' && !releases)
      return { kind: 'refused', state: run.state };
    if (run.state === 'waiting') {
      for (const query of closeParkingQueries(trx, run.id)) await query.execute();
    }
    await finishRun(
      trx,
      { id: run.id, integrationId: run.integration_id, sourceRecord: run.source_record },
      'cancelled',
      {
        outcome: releases
          ? `cancelled by ${by.actor}: the dead run gave up its record's place`
          : `cancelled by ${by.actor}`,
      },
    );
    await recordAudit(trx, {
      actor: by.actor,
      action: 'run.cancel',
      subjectType: 'run',
      subjectId: run.id,
      integrationId: run.integration_id,
      runId: run.id,
      requestId: by.requestId,
      data: { eventId: run.event_id, before: { state: run.state }, after: { state: 'cancelled' } },
    });
    const cancelled = await trx
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    return { kind: 'cancelled', run: toRunView(cancelled) };
  });
}
