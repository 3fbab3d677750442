import type { Generated } from 'kysely';
import type { Json, OptionalJson, OptionalTimestamp, Timestamp } from './column-types.js';

/** Sync definitions (see core/src/sync and docs/sync.md); `revision` is the ETag. */
export interface SyncsTable {
  id: string;
  name: string;
  enabled: Generated<boolean>;
  current_version: number;
  revision: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string;
  /** The last run: `{ at, ok: true, counts }` or `{ at, ok: false, error, retryAt? }`. */
  last_run: OptionalJson<SyncLastRun>;
}

/** What the last run of a sync did, or why it failed. */
export interface SyncLastRun {
  readonly at: string;
  readonly ok: boolean;
  readonly counts?: Readonly<Record<string, number>>;
  readonly error?: string;
  readonly retryAt?: string;
}

/** Immutable: one row per saved sync definition. */
export interface SyncVersionsTable {
  sync_id: string;
  version: number;
  definition: Json;
  created_at: Timestamp;
  created_by: string;
}

/**
 * What a link is: `active`; `pending` (a create was started and not recorded); `conflict`
 * (parked); `flagged` (a delete, or a create whose outcome is unknown, waits for a person);
 * `deleted` (gone on both sides); `archived` (gone on one side, archived on the other).
 */
export type SyncLinkState = 'active' | 'pending' | 'conflict' | 'flagged' | 'deleted' | 'archived';

/** A record on side A <-> its record on side B, with what was last synced of each. */
export interface SyncLinksTable {
  id: Generated<string>;
  sync_id: string;
  a_key: string | null;
  b_key: string | null;
  a_hash: string | null;
  b_hash: string | null;
  a_version: string | null;
  b_version: string | null;
  a_base: OptionalJson<Record<string, unknown>>;
  b_base: OptionalJson<Record<string, unknown>>;
  a_written: Generated<boolean>;
  b_written: Generated<boolean>;
  state: Generated<SyncLinkState>;
  note: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Where change detection of a side left off (`position`, the engine's) and its last full scan. */
export interface SyncCursorsTable {
  sync_id: string;
  side: 'a' | 'b';
  position: OptionalJson<Record<string, unknown>>;
  scanned_at: OptionalTimestamp;
  updated_at: Timestamp;
}

/** A conflict parked for a person. */
export interface SyncConflictsTable {
  id: string;
  seq: Generated<string>;
  sync_id: string;
  link_id: string;
  a_key: string | null;
  b_key: string | null;
  base: Json<{ a: unknown; b: unknown }>;
  a_record: OptionalJson<Record<string, unknown>>;
  b_record: OptionalJson<Record<string, unknown>>;
  state: Generated<'open' | 'resolved'>;
  resolution: OptionalJson<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  resolved_at: OptionalTimestamp;
  resolved_by: string | null;
}

export interface SyncTables {
  syncs: SyncsTable;
  sync_versions: SyncVersionsTable;
  sync_links: SyncLinksTable;
  sync_cursors: SyncCursorsTable;
  sync_conflicts: SyncConflictsTable;
}
