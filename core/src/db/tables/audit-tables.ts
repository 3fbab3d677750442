import type { ColumnType, Generated } from 'kysely';

/** Append-only audit trail; see core/src/audit. */
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
  data: ColumnType<unknown, string | null, never>;
}

export interface AuditTables {
  audit_entries: AuditEntriesTable;
}
