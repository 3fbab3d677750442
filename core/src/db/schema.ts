import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { AuditTables } from './tables/audit-tables.js';
import type { ConfigTables } from './tables/config-tables.js';
import type { ConsoleTables } from './tables/console-tables.js';
import type { PluginTables } from './tables/plugin-tables.js';
import type { ReviewTables } from './tables/review-tables.js';
import type { RolloutTables } from './tables/rollout-tables.js';
import type { RunTables } from './tables/run-tables.js';
import type { SyncBulkTables } from './tables/sync-bulk-tables.js';
import type { SyncTables } from './tables/sync-tables.js';

/** A timestamptz the database fills in when the row is made. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A timestamptz that may be unset. */
type OptionalTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;

/** API bearer tokens: only a SHA-256 hash of each token is stored. */
export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: Buffer;
  created_at: CreatedAt;
  created_by: string | null;
  revoked_at: OptionalTimestamp;
  last_used_at: OptionalTimestamp;
  /** The integrations a (reviewer) token is limited to; null: all. */
  integrations: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
}

/**
 * Every table Junction owns, in snake_case exactly as in SQL. Each area declares its tables in
 * `db/tables/<area>-tables.ts`; this interface joins them.
 */
export interface Database
  extends AuditTables,
    ConfigTables,
    ConsoleTables,
    PluginTables,
    ReviewTables,
    RolloutTables,
    RunTables,
    SyncTables,
    SyncBulkTables {
  api_tokens: ApiTokensTable;
}

export type ApiToken = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
