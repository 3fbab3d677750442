import type { Insertable, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SyncScanRowsTable } from '../db/tables/sync-bulk-tables.js';

/**
 * Inserts a page of a scan's scratch rows (a backfill's or a reconciliation's), leaving a row
 * already there (same scan, side and key) as it is: a page read again after a crash adds nothing.
 */
export async function insertScanRows(
  trx: Transaction<Database>,
  rows: readonly Insertable<SyncScanRowsTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('sync_scan_rows')
    .values(rows)
    .onConflict((oc) => oc.columns(['scan_id', 'side', 'key']).doNothing())
    .execute();
}
