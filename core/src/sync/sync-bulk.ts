import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { BulkState } from '../db/tables/sync-bulk-tables.js';
import type { Logger } from '../log/create-logger.js';
import { withSyncLock } from './backfill-lock.js';
import { backfillOnEnable, startedByEnable } from './backfill-on-enable.js';
import type { BulkSide } from './bulk-side.js';
import { backfillView, reconciliationView } from './bulk-views.js';
import { insertBackfill, type LoadedSync, queueBulkRun } from './queue-bulk-run.js';
import { type RepairActor, repairDrift } from './repair-drift.js';
import { type BackfillRow, runBackfill } from './run-backfill.js';
import { runReconciliation } from './run-reconciliation.js';
import type { SyncDefinition } from './sync-definition.js';

export { BACKFILL_TASK, type LoadedSync, RECONCILE_TASK } from './queue-bulk-run.js';

/** What backfill, reconciliation and repair read of a sync definition. */
export type BulkDefinition = SyncDefinition;

export interface SyncBulkDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** The sync at `version` (its current one without), undefined when there is none. */
  loadSync(id: string, version?: number): Promise<LoadedSync | undefined>;
  /** Both sides of a definition, for record calls. */
  sidesOf(sync: LoadedSync): Promise<{ a: BulkSide; b: BulkSide }>;
  /** Records a page (default 1,000). */
  readonly pageSize?: number;
  /** Called as a backfill commits a page, and as a reconciliation ends (metrics). */
  readonly onBackfillPage?: (row: BackfillRow) => void;
  readonly onReconciled?: (counts: Record<string, number>) => void;
}

/** What asking for a repair came to: done (with its totals), or why not. */
export type RepairOutcome =
  | { readonly kind: 'repaired'; readonly totals: Awaited<ReturnType<typeof repairDrift>> }
  | { readonly kind: 'not-finished'; readonly state: BulkState }
  | { readonly kind: 'not-found' };

type Started<V> =
  | { readonly kind: 'started'; readonly view: V }
  | { readonly kind: 'busy'; readonly id: string }
  | { readonly kind: 'not-found' };

/**
 * Backfills and reconciliations of syncs: started through the API (a row, its job and its audit
 * entry in one transaction; one of each kind at a time per sync), run by worker tasks, and
 * repairs applied to a reconciliation's drift.
 */
export function createSyncBulk(deps: SyncBulkDeps) {
  const { db, logger } = deps;

  async function start<V>(
    kind: 'backfill' | 'reconciliation',
    syncId: string,
    by: RepairActor,
    make: (trx: Transaction<Database>, sync: LoadedSync, id: string) => Promise<V>,
  ): Promise<Started<V>> {
    const sync = await deps.loadSync(syncId);
    if (sync === undefined) return { kind: 'not-found' };
    const table = kind === 'backfill' ? 'sync_backfills' : 'sync_reconciliations';
    const id = `${kind === 'backfill' ? 'sbf' : 'src'}_${randomUUID()}`;
    try {
      const view = await db
        .transaction()
        .execute((trx) => queueBulkRun(trx, kind, sync, id, by, (t) => make(t, sync, id)));
      return { kind: 'started', view };
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      const active = await db
        .selectFrom(table)
        .selectAll()
        .where('sync_id', '=', syncId)
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirst();
      // Asked for right after enabling the sync started one: that one does what was asked.
      if (kind === 'backfill' && active && (await startedByEnable(db, syncId, active.id)))
        return { kind: 'started', view: backfillView(active as BackfillRow) as V };
      return { kind: 'busy', id: active?.id ?? '' };
    }
  }

  /** Marks a run failed after its last attempt (the error kept); rethrows to retry before. */
  async function failed(
    table: 'sync_backfills' | 'sync_reconciliations',
    id: string,
    error: unknown,
    last: boolean,
  ) {
    const message = (error as Error).message ?? String(error);
    await db
      .updateTable(table)
      .set({
        error: message,
        updated_at: new Date(),
        ...(last ? { state: 'failed', finished_at: new Date() } : {}),
      })
      .where('id', '=', id)
      .execute();
    logger.warn({ [table]: id, error: message, last }, 'sync bulk run failed');
    if (!last) throw error;
  }

  async function bulkSync(syncId: string, version: number) {
    const sync = await deps.loadSync(syncId, version);
    if (sync === undefined) throw new Error(`Sync ${syncId} version ${version} is gone.`);
    return { id: sync.id, definition: sync.definition, sides: await deps.sidesOf(sync) };
  }

  const startReconciliation = (
    syncId: string,
    by: RepairActor,
    trigger: 'api' | 'schedule' = 'api',
  ) =>
    start('reconciliation', syncId, by, async (trx, sync, id) => {
      const row = await trx
        .insertInto('sync_reconciliations')
        .values({
          id,
          sync_id: sync.id,
          sync_version: sync.version,
          trigger,
          requested_by: by.actor,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return reconciliationView(row);
    });

  return {
    startBackfill: (syncId: string, by: RepairActor) =>
      start('backfill', syncId, by, (trx, sync, id) => insertBackfill(trx, sync, id, by)),

    /**
     * In the transaction that enables sync `syncId`: its backfill, started unless one succeeded
     * or is under way (`backfillOnEnable`); undefined when there is no such sync.
     */
    async backfillOnEnable(trx: Transaction<Database>, syncId: string, by: RepairActor) {
      const sync = await deps.loadSync(syncId);
      return sync && backfillOnEnable(trx, sync, by);
    },

    startReconciliation,

    /** The worker task of a backfill. */
    async backfillTask(payload: { backfillId: string }, attempt: { last: boolean }) {
      const row = await db
        .selectFrom('sync_backfills')
        .selectAll()
        .where('id', '=', payload.backfillId)
        .executeTakeFirst();
      if (row === undefined || row.state === 'succeeded' || row.state === 'failed') return;
      try {
        const sync = await bulkSync(row.sync_id, row.sync_version);
        await withSyncLock(db, row.sync_id, () =>
          runBackfill(
            { db, logger, pageSize: deps.pageSize, onPage: deps.onBackfillPage },
            sync,
            row.id,
          ),
        );
      } catch (error) {
        await failed('sync_backfills', row.id, error, attempt.last);
      }
    },

    /** The worker task of a reconciliation. */
    async reconcileTask(payload: { reconciliationId: string }, attempt: { last: boolean }) {
      const row = await db
        .selectFrom('sync_reconciliations')
        .selectAll()
        .where('id', '=', payload.reconciliationId)
        .executeTakeFirst();
      if (row === undefined || row.state === 'succeeded' || row.state === 'failed') return;
      try {
        const sync = await bulkSync(row.sync_id, row.sync_version);
        const done = await runReconciliation({ db, logger, pageSize: deps.pageSize }, sync, row.id);
        if (done) deps.onReconciled?.(done.counts as Record<string, number>);
      } catch (error) {
        await failed('sync_reconciliations', row.id, error, attempt.last);
      }
    },

    /**
     * Starts a scheduled reconciliation when the sync asks for them (`reconcileEverySeconds`)
     * and the last one started longer ago than that (run after each change detection).
     */
    async reconcileIfDue(syncId: string) {
      const sync = await deps.loadSync(syncId);
      const every = sync?.definition.reconcileEverySeconds;
      if (sync === undefined || every === undefined) return;
      const last = await db
        .selectFrom('sync_reconciliations')
        .select('created_at')
        .where('sync_id', '=', syncId)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last !== undefined && Date.now() - new Date(last.created_at).getTime() < every * 1000)
        return;
      await startReconciliation(syncId, { actor: `sync:${syncId}` }, 'schedule');
    },

    /**
     * Repairs the open drift of reconciliation `reconciliationId` of sync `syncId` by the sync's
     * current policies; only a finished (succeeded) one can be repaired.
     */
    async repair(
      syncId: string,
      reconciliationId: string,
      by: RepairActor,
    ): Promise<RepairOutcome> {
      const row = await db
        .selectFrom('sync_reconciliations')
        .select('state')
        .where('sync_id', '=', syncId)
        .where('id', '=', reconciliationId)
        .executeTakeFirst();
      if (row === undefined) return { kind: 'not-found' };
      if (row.state !== 'succeeded') return { kind: 'not-finished', state: row.state };
      const sync = await deps.loadSync(syncId);
      if (sync === undefined) return { kind: 'not-found' };
      const bulk = {
        id: sync.id,
        definition: sync.definition,
        sides: await deps.sidesOf(sync),
      };
      return { kind: 'repaired', totals: await repairDrift({ db }, bulk, reconciliationId, by) };
    },
  };
}

export type SyncBulk = ReturnType<typeof createSyncBulk>;
