import type { ColumnType, Generated } from 'kysely';
import type { OptionalJson, OptionalTimestamp, Timestamp } from './column-types.js';

/** A pass of a backfill: `scan:x` lists side x for matching, `walk:x` links and creates from x. */
export type BackfillPass = 'scan:a' | 'scan:b' | 'walk:a' | 'walk:b';
export type BulkState = 'queued' | 'running' | 'succeeded' | 'failed';

/** The create batch a backfill had in flight: source side, source keys and their match hashes. */
export interface PendingBatch {
  readonly from: 'a' | 'b';
  readonly keys: readonly string[];
  readonly matches: readonly (string | null)[];
}

/**
 * A create batch a backfill has in flight (see core/src/sync/backfill-walk.ts): `body`, the JSON
 * text `[keys, matches]` (migration 0031), or, as a version before it recorded it, `keys` and
 * `matches`.
 */
export interface SyncBackfillBatchesTable {
  seq: Generated<string>;
  backfill_id: string;
  source: 'a' | 'b';
  body: string | null;
  keys: string[] | null;
  matches: (string | null)[] | null;
  created_at: Timestamp;
}

/** A backfill of a sync (see core/src/sync/run-backfill.ts). */
export interface SyncBackfillsTable {
  id: string;
  seq: Generated<string>;
  sync_id: string;
  sync_version: number;
  state: Generated<BulkState>;
  plan: BackfillPass[];
  pass: Generated<number>;
  cursor: string | null;
  /** A batch in flight as versions before migration 0030 recorded it (settled on resume). */
  pending: OptionalJson<PendingBatch>;
  total_a: string | null;
  total_b: string | null;
  done: Generated<string>;
  linked: Generated<string>;
  created_a: Generated<string>;
  created_b: Generated<string>;
  flagged: Generated<string>;
  skipped: Generated<string>;
  resumed: Generated<number>;
  error: string | null;
  requested_by: string;
  created_at: Timestamp;
  started_at: OptionalTimestamp;
  updated_at: Timestamp;
  finished_at: OptionalTimestamp;
}

/** What a reconciliation found, by kind. */
export type DriftKind = 'only_a' | 'only_b' | 'differs' | 'stale_link' | 'unlinked';

/** A reconciliation of a sync (see core/src/sync/run-reconciliation.ts). */
export interface SyncReconciliationsTable {
  id: string;
  seq: Generated<string>;
  sync_id: string;
  sync_version: number;
  state: Generated<BulkState>;
  phase: string | null;
  trigger: 'api' | 'schedule';
  seen_a: Generated<string>;
  seen_b: Generated<string>;
  counts: ColumnType<Partial<Record<DriftKind, number>>, string | undefined, string>;
  /** Where the phase under way is (migration 0029): a page cursor, a join key or a link id. */
  cursor: string | null;
  total_a: string | null;
  total_b: string | null;
  compared: Generated<string>;
  dismissed: Generated<string>;
  resumed: Generated<number>;
  error: string | null;
  requested_by: string;
  created_at: Timestamp;
  started_at: OptionalTimestamp;
  updated_at: Timestamp;
  finished_at: OptionalTimestamp;
}

/** One field that differs under the mapping: its path on the compared side and both values. */
export interface DriftField {
  readonly field: string;
  readonly a: unknown;
  readonly b: unknown;
}

export interface SyncDriftItemsTable {
  id: Generated<string>;
  reconciliation_id: string;
  sync_id: string;
  kind: DriftKind;
  a_key: string | null;
  b_key: string | null;
  link_id: string | null;
  fields: OptionalJson<readonly DriftField[]>;
  /** For a stale link: the side whose record is gone (`a`, `b` or `both`). */
  missing: 'a' | 'b' | 'both' | null;
  state: Generated<'open' | 'repaired' | 'skipped' | 'failed'>;
  repair: OptionalJson<Record<string, unknown>>;
  created_at: Timestamp;
  repaired_at: OptionalTimestamp;
}

/** Scratch rows of a scan, deleted when it ends. */
export interface SyncScanRowsTable {
  scan_id: string;
  side: 'a' | 'b';
  join_key: string;
  key: string;
  link_id: string | null;
  hash: string | null;
  version: string | null;
  body: OptionalJson<Record<string, unknown>>;
  used: Generated<boolean>;
}

export interface SyncBulkTables {
  sync_backfills: SyncBackfillsTable;
  sync_backfill_batches: SyncBackfillBatchesTable;
  sync_reconciliations: SyncReconciliationsTable;
  sync_drift_items: SyncDriftItemsTable;
  sync_scan_rows: SyncScanRowsTable;
}
