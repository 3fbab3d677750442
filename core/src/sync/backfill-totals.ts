import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';

/**
 * Counts the sides a backfill's passes read whose total is not known yet, with the record
 * type's `count` (contract 1.13) where it is offered, so that its progress has a total and an
 * ETA from its first page. A side that cannot count keeps a null total until a pass has listed
 * it all; a count that fails is logged and left out the same way (the backfill goes on).
 */
export async function countTotals(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
): Promise<BackfillRow> {
  const names = [...new Set(row.plan.map((pass) => (pass.endsWith(':a') ? 'a' : 'b')))];
  const totals: { total_a?: string; total_b?: string } = {};
  for (const name of names) {
    if (row[`total_${name}`] !== null) continue;
    try {
      const n = await sync.sides[name].records.count();
      if (n !== undefined) totals[`total_${name}`] = String(n);
    } catch (error) {
      deps.logger.warn(
        { backfill: row.id, side: name, error: (error as Error).message },
        'sync backfill could not count a side; its total comes once the side is listed',
      );
    }
  }
  if (Object.keys(totals).length === 0) return row;
  return deps.db
    .updateTable('sync_backfills')
    .set({ ...totals, updated_at: new Date() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
