import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { driftItemView, reconciliationView } from '../sync/bulk-views.js';

export type ReconciliationLine = ReturnType<typeof reconciliationView>;
export type DriftLine = ReturnType<typeof driftItemView>;

/** The sync's latest reconciliation and its first `limit` drift items (in report order). */
export async function latestDrift(
  db: Kysely<Database>,
  syncId: string,
  limit = 20,
): Promise<{ reconciliation: ReconciliationLine; items: DriftLine[] } | undefined> {
  const row = await db
    .selectFrom('sync_reconciliations')
    .selectAll()
    .where('sync_id', '=', syncId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const items = await db
    .selectFrom('sync_drift_items')
    .selectAll()
    .where('reconciliation_id', '=', row.id)
    .orderBy('id')
    .limit(limit)
    .execute();
  return { reconciliation: reconciliationView(row), items: items.map(driftItemView) };
}
