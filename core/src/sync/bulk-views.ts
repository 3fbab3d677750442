import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type {
  DriftField,
  SyncDriftItemsTable,
  SyncReconciliationsTable,
} from '../db/tables/sync-bulk-tables.js';
import { reconciliationProgress } from './reconciliation-progress.js';
import { type BackfillRow, progressOf } from './run-backfill.js';

const time = (at: Date | null) => (at === null ? null : new Date(at).toISOString());

/** A backfill as the API shows it, with its progress. */
export function backfillView(row: BackfillRow) {
  return {
    id: row.id,
    syncId: row.sync_id,
    syncVersion: row.sync_version,
    state: row.state,
    plan: row.plan,
    pass: row.pass,
    progress: progressOf(row),
    totals: {
      a: row.total_a === null ? null : Number(row.total_a),
      b: row.total_b === null ? null : Number(row.total_b),
    },
    linked: Number(row.linked),
    created: { a: Number(row.created_a), b: Number(row.created_b) },
    flagged: Number(row.flagged),
    skipped: Number(row.skipped),
    resumed: row.resumed,
    error: row.error,
    requestedBy: row.requested_by,
    createdAt: time(row.created_at) as string,
    startedAt: time(row.started_at),
    finishedAt: time(row.finished_at),
  };
}

/**
 * A reconciliation as the API shows it: records read per side, its progress, drift found per kind
 * and the findings its re-check dismissed.
 */
export function reconciliationView(row: Selectable<SyncReconciliationsTable>) {
  const counts = row.counts ?? {};
  return {
    id: row.id,
    syncId: row.sync_id,
    syncVersion: row.sync_version,
    state: row.state,
    phase: row.phase,
    trigger: row.trigger,
    seen: { a: Number(row.seen_a), b: Number(row.seen_b) },
    progress: reconciliationProgress(row),
    totals: {
      a: row.total_a === null ? null : Number(row.total_a),
      b: row.total_b === null ? null : Number(row.total_b),
    },
    dismissed: Number(row.dismissed),
    resumed: row.resumed,
    counts: {
      only_a: counts.only_a ?? 0,
      only_b: counts.only_b ?? 0,
      differs: counts.differs ?? 0,
      stale_link: counts.stale_link ?? 0,
      unlinked: counts.unlinked ?? 0,
    },
    error: row.error,
    requestedBy: row.requested_by,
    createdAt: time(row.created_at) as string,
    startedAt: time(row.started_at),
    finishedAt: time(row.finished_at),
  };
}

/** One drift item as the API (and its NDJSON lines) show it. */
export function driftItemView(row: Selectable<SyncDriftItemsTable>) {
  return {
    id: row.id,
    kind: row.kind,
    aKey: row.a_key,
    bKey: row.b_key,
    linkId: row.link_id,
    fields: (row.fields ?? null) as readonly DriftField[] | null,
    missing: row.missing,
    state: row.state,
    repair: row.repair,
    createdAt: time(row.created_at) as string,
    repairedAt: time(row.repaired_at),
  };
}

/** Deletes the backfills, reconciliations, drift items and scratch rows of a sync. */
export async function deleteBulkRuns(db: Kysely<Database> | Transaction<Database>, syncId: string) {
  const runs = (table: 'sync_backfills' | 'sync_reconciliations') =>
    db.selectFrom(table).select('id').where('sync_id', '=', syncId);
  await db
    .deleteFrom('sync_scan_rows')
    .where((eb) =>
      eb.or([
        eb('scan_id', 'in', runs('sync_backfills')),
        eb('scan_id', 'in', runs('sync_reconciliations')),
      ]),
    )
    .execute();
  await db.deleteFrom('sync_drift_items').where('sync_id', '=', syncId).execute();
  await db.deleteFrom('sync_reconciliations').where('sync_id', '=', syncId).execute();
  await db.deleteFrom('sync_backfills').where('sync_id', '=', syncId).execute();
}
