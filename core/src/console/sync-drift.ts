import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { driftItemView, reconciliationView } from '../sync/bulk-views.js';
import type { ReconciliationLine } from './sync-runs.js';

export type DriftLine = ReturnType<typeof driftItemView>;

/** Reconciliation `rid` of sync `syncId`, undefined when the sync has no such one. */
export async function findReconciliation(
  db: Kysely<Database>,
  syncId: string,
  rid: string,
): Promise<ReconciliationLine | undefined> {
  const row = await db
    .selectFrom('sync_reconciliations')
    .selectAll()
    .where('sync_id', '=', syncId)
    .where('id', '=', rid)
    .executeTakeFirst();
  return row && reconciliationView(row);
}

/**
 * A page of a reconciliation's drift items in report order (by id, as the API pages them):
 * `limit` items after item `after`, and the id to continue after when more follow.
 */
export async function driftPage(
  db: Kysely<Database>,
  reconciliationId: string,
  page: { after?: string | undefined; limit: number },
): Promise<{ items: DriftLine[]; next: string | undefined }> {
  let query = db
    .selectFrom('sync_drift_items')
    .selectAll()
    .where('reconciliation_id', '=', reconciliationId);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  const rows = await query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit).map(driftItemView);
  return { items, next: rows.length > page.limit ? items.at(-1)?.id : undefined };
}
