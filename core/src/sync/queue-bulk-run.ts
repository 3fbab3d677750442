import { sql, type Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import { backfillView } from './bulk-views.js';
import type { RepairActor } from './repair-drift.js';
import { backfillPlan } from './run-backfill.js';
import type { SyncDefinition } from './sync-definition.js';

/** The graphile-worker tasks of backfills and reconciliations. */
export const BACKFILL_TASK = 'sync.backfill';
export const RECONCILE_TASK = 'sync.reconcile';

/** A sync at one of its versions. */
export interface LoadedSync {
  readonly id: string;
  readonly version: number;
  readonly definition: SyncDefinition;
}

/**
 * Queues backfill or reconciliation `id` of `sync` in `trx`: its row (`make`), its job and its
 * audit entry (`sync.<kind>.start`, with `data`). The row's unique index refuses a second one
 * queued or running (23505).
 */
export async function queueBulkRun<V>(
  trx: Transaction<Database>,
  kind: 'backfill' | 'reconciliation',
  sync: LoadedSync,
  id: string,
  by: RepairActor,
  make: (trx: Transaction<Database>) => Promise<V>,
  data: Record<string, unknown> = {},
): Promise<V> {
  const made = await make(trx);
  const [task, payload] =
    kind === 'backfill'
      ? [BACKFILL_TASK, { backfillId: id }]
      : [RECONCILE_TASK, { reconciliationId: id }];
  await sql`select graphile_worker.add_job(${task}, ${JSON.stringify(payload)}::json,
    max_attempts := 25, job_key := ${`sync-${kind}:${id}`})`.execute(trx);
  await recordAudit(trx, {
    actor: by.actor,
    action: `sync.${kind}.start`,
    subjectType: 'sync',
    subjectId: sync.id,
    requestId: by.requestId,
    data: { [kind]: id, version: sync.version, ...data },
  });
  return made;
}

/** The row of backfill `id` of `sync`, queued, as its view. */
export async function insertBackfill(
  trx: Transaction<Database>,
  sync: LoadedSync,
  id: string,
  by: RepairActor,
) {
  const row = await trx
    .insertInto('sync_backfills')
    .values({
      id,
      sync_id: sync.id,
      sync_version: sync.version,
      plan: backfillPlan(sync.definition),
      requested_by: by.actor,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return backfillView(row);
}
