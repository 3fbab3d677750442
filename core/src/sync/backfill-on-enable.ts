import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertBackfill, type LoadedSync, queueBulkRun } from './queue-bulk-run.js';
import type { RepairActor } from './repair-drift.js';

/** What enabling a sync did about its backfill. */
export type EnableBackfill =
  | { readonly kind: 'started'; readonly id: string }
  | { readonly kind: 'under way'; readonly id: string }
  | { readonly kind: 'done before' };

/**
 * In the transaction that enables `sync`: starts its backfill (audited `sync.backfill.start`
 * with `trigger: 'enable'`) unless one succeeded before or one is queued or running, so that
 * starting a sync lists both sides from the beginning and links the records both hold by its
 * match before change detection creates anything.
 */
export async function backfillOnEnable(
  trx: Transaction<Database>,
  sync: LoadedSync,
  by: RepairActor,
): Promise<EnableBackfill> {
  const known = await trx
    .selectFrom('sync_backfills')
    .select(['id', 'state'])
    .where('sync_id', '=', sync.id)
    .where('state', 'in', ['queued', 'running', 'succeeded'])
    .orderBy('seq', 'desc')
    .execute();
  const active = known.find((b) => b.state !== 'succeeded');
  if (active) return { kind: 'under way', id: active.id };
  if (known.length > 0) return { kind: 'done before' };
  const id = `sbf_${randomUUID()}`;
  await queueBulkRun(trx, 'backfill', sync, id, by, (t) => insertBackfill(t, sync, id, by), {
    trigger: 'enable',
  });
  return { kind: 'started', id };
}

/** Whether backfill `id` of sync `syncId` is one an enable started (its start's audit says). */
export async function startedByEnable(
  db: Kysely<Database>,
  syncId: string,
  id: string,
): Promise<boolean> {
  const entry = await db
    .selectFrom('audit_entries')
    .select('id')
    .where('subject_type', '=', 'sync')
    .where('subject_id', '=', syncId)
    .where('action', '=', 'sync.backfill.start')
    .where(sql<boolean>`data @> ${JSON.stringify({ backfill: id, trigger: 'enable' })}::jsonb`)
    .executeTakeFirst();
  return entry !== undefined;
}
