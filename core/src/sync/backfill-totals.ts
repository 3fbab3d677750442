import { countSides } from './count-sides.js';
import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';

/**
 * Counts the sides a backfill's passes read whose total is not known yet (`countSides`), so
 * that its progress has a total and an ETA from its first page. A side that cannot count keeps
 * a null total until a pass has listed it all; the backfill goes on either way.
 */
export async function countTotals(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
): Promise<BackfillRow> {
  const names = [
    ...new Set(row.plan.map((pass) => (pass.endsWith(':a') ? 'a' : 'b') as 'a' | 'b')),
  ];
  const unknown = names.filter((name) => row[`total_${name}`] === null);
  const totals = await countSides(
    deps.logger,
    unknown.map((name) => sync.sides[name]),
    { backfill: row.id },
  );
  if (Object.keys(totals).length === 0) return row;
  return deps.db
    .updateTable('sync_backfills')
    .set({ ...totals, updated_at: new Date() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
