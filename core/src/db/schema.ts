import type { ColumnType, Insertable, Selectable } from 'kysely';

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
}

/** Every table Junction owns, in snake_case exactly as in SQL. */
export interface Database {
  api_tokens: ApiTokensTable;
}

export type ApiToken = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
