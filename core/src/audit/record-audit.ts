import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { redactSecrets } from './redact-secrets.js';

/** What one audit entry says: who did what to which subject, with what data. */
export interface AuditEntryInput {
  /** `token:<id>` for an API caller, `integration:<id>` for a run, `system` for Junction itself. */
  readonly actor: string;
  /** Dotted verb: `connection.create`, `integration.update`, `plugin.install`, `record.write`... */
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly integrationId?: string;
  readonly runId?: string;
  readonly requestId?: string;
  /**
   * before/after for configuration changes; input/output, connector, version, target system,
   * record type and id for data changes. Secrets must already be redacted (members named like
   * secrets, such as `password` or `apiKey`, and Junction API tokens are redacted here as well).
   */
  readonly data?: Readonly<Record<string, unknown>>;
  /** When it happened; now by default. */
  readonly at?: Date;
}

/**
 * The row of an audit entry as inserted: its body redacted, without hashes (the database refuses
 * an entry that brings its own: the sealer computes them from what was stored).
 */
export function auditRow(entry: AuditEntryInput) {
  // Millisecond precision, as the timestamptz(3) column keeps it, so the hash verifies later.
  const at = new Date(Math.floor((entry.at ?? new Date()).getTime()));
  const data = entry.data === undefined ? null : redactSecrets(entry.data);
  const body = data === null ? null : JSON.stringify(data);
  return {
    at,
    actor: entry.actor,
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId,
    integration_id: entry.integrationId ?? null,
    run_id: entry.runId ?? null,
    request_id: entry.requestId ?? null,
    data: body,
  };
}

export type AuditRow = ReturnType<typeof auditRow>;

/**
 * Appends an audit entry. Pass the transaction that makes the change, so that the entry is
 * written if and only if the change is. A plain insert that takes no lock: the audit sealer links
 * committed entries into the hash chain shortly after (see `startAuditSealer`).
 */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntryInput): Promise<void> {
  await db.insertInto('audit_entries').values(auditRow(entry)).execute();
}

/**
 * The insert of an audit entry as SQL, for a statement that makes the change it audits in CTEs
 * (one statement is one transaction: the entry is written if and only if the change is).
 */
export function auditInsertSql(entry: AuditEntryInput): RawBuilder<unknown> {
  const row = auditRow(entry);
  return sql`insert into audit_entries (at, actor, action, subject_type, subject_id,
      integration_id, run_id, request_id, data)
    values (${row.at}, ${row.actor}, ${row.action}, ${row.subject_type}, ${row.subject_id},
      ${row.integration_id}, ${row.run_id}, ${row.request_id}, ${row.data}::jsonb)`;
}
