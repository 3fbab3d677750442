import type { ColumnType, Generated } from 'kysely';

/** Set once by the sealer (from null), never changed again. */
type SealedColumn<T> = ColumnType<T | null, never, T>;

/**
 * Append-only, hash-chained audit trail; see core/src/audit and docs/audit.md. Triggers reject
 * every UPDATE and DELETE except sealing an unsealed row and retention dropping a sealed body.
 */
export interface AuditEntriesTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | string | undefined, never>;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  integration_id: string | null;
  run_id: string | null;
  request_id: string | null;
  /** The body (before/after, input/output); null once retention dropped it. */
  data: ColumnType<unknown, string | null, null>;
  /** SHA-256 of the canonical JSON of `data`; kept when the body is dropped. */
  body_hash: ColumnType<Buffer | null, Buffer | null | undefined, Buffer>;
  /** SHA-256 of the canonical JSON of the metadata and body hash. */
  content_hash: ColumnType<Buffer | null, Buffer | null | undefined, Buffer>;
  /** Position in the chain, 1, 2, 3...; null until sealed. */
  seq: SealedColumn<string>;
  prev_hash: SealedColumn<Buffer>;
  hash: SealedColumn<Buffer>;
  sealed_at: SealedColumn<Date>;
  /** When retention dropped the body. */
  body_dropped_at: ColumnType<Date | null, never, Date>;
}

export interface AuditTables {
  audit_entries: AuditEntriesTable;
}
