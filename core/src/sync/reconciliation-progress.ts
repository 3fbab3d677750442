import type { Selectable } from 'kysely';
import type { SyncReconciliationsTable } from '../db/tables/sync-bulk-tables.js';
import { rateAndEta } from './bulk-progress.js';

/**
 * Done, total, rate per second and ETA of a reconciliation: each record is handled twice, listed
 * into a scratch row and compared, so `done` is the records listed on both sides plus the scratch
 * rows compared, and `total` twice the sides' records (counted at the start where the record
 * types can count, else known once each side is listed).
 */
export function reconciliationProgress(row: Selectable<SyncReconciliationsTable>) {
  const done = Number(row.seen_a) + Number(row.seen_b) + Number(row.compared);
  const total =
    row.total_a === null || row.total_b === null
      ? null
      : 2 * (Number(row.total_a) + Number(row.total_b));
  return { done, total, ...rateAndEta(done, total, row.started_at, row.finished_at) };
}
