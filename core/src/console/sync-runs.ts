import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { backfillView, reconciliationView } from '../sync/bulk-views.js';

export type BackfillLine = ReturnType<typeof backfillView>;
export type ReconciliationLine = ReturnType<typeof reconciliationView>;

/** A sync's latest backfills and reconciliations, newest first. */
export interface SyncRuns {
  readonly backfills: readonly BackfillLine[];
  readonly reconciliations: readonly ReconciliationLine[];
}

/** A sync's latest backfills and reconciliations (at most `limit` of each), newest first. */
export async function latestSyncRuns(
  db: Kysely<Database>,
  syncId: string,
  limit = 5,
): Promise<SyncRuns> {
  const [backfills, reconciliations] = await Promise.all([
    db
      .selectFrom('sync_backfills')
      .selectAll()
      .where('sync_id', '=', syncId)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute(),
    db
      .selectFrom('sync_reconciliations')
      .selectAll()
      .where('sync_id', '=', syncId)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute(),
  ]);
  return {
    backfills: backfills.map(backfillView),
    reconciliations: reconciliations.map(reconciliationView),
  };
}
