import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { linksOf } from './bulk-links.js';
import { type BulkSide, sidePages } from './bulk-side.js';
import { insertScanRows } from './insert-scan-rows.js';
import type { BulkSync } from './run-backfill.js';

/** The join key of a linked record: its link id, padded so that text order is id order. */
export const linkJoin = (id: string) => `l:${id.padStart(20, '0')}`;

/**
 * Lists one side of a reconciliation into scratch rows keyed by how a record corresponds (its
 * link id, else its match hash, else its own key), from `cursor` on: each page's rows, the
 * side's count of records read and the cursor after the page commit in one transaction, so a
 * resumed listing goes on after the last page stored, reading none twice.
 */
export async function listSide(
  deps: { readonly db: Kysely<Database> },
  sync: BulkSync,
  id: string,
  side: BulkSide,
  cursor: string | null,
  limit: number,
): Promise<void> {
  for await (const page of sidePages(side, cursor, limit)) {
    const keys = page.records.map((r) => side.records.keyOf(r));
    const links = await linksOf(deps.db, sync.id, side.name, keys);
    const rows = page.records.map((record, i) => {
      const key = keys[i] as string;
      const link = links.get(key);
      const match = side.codec.match(record);
      return {
        scan_id: id,
        side: side.name,
        join_key:
          link !== undefined
            ? linkJoin(link.id)
            : match !== null
              ? `m:${match}`
              : `k:${side.name}:${key}`,
        key,
        link_id: link?.id ?? null,
        body: JSON.stringify(record),
      };
    });
    await deps.db.transaction().execute(async (trx) => {
      await insertScanRows(trx, rows);
      await trx
        .updateTable('sync_reconciliations')
        .set((eb) => ({
          [`seen_${side.name}`]: eb(`seen_${side.name}`, '+', String(rows.length)),
          cursor: page.next,
          updated_at: new Date(),
        }))
        .where('id', '=', id)
        .execute();
    });
  }
}
